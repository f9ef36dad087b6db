// Config glue for the CAN overlay with its routing-probe workload: the
// `[can]` keys, node populations (capabilities), the `join` and `oracle`
// bootstraps. Protocol code never sees the config; it gets can::Params.

#include <string>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/config/section.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/probe_node.hpp"
#include "p2pgrid/overlay/can/probe_record.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kStandalone = "the standalone CAN run's probes and node population";

const Section<CanSettings>& can_section() {
  using S = CanSettings;
  using P = can::Params;
  using M = can::CapabilityModel;
  static const auto section =
      Section<S>("the CAN overlay")
          .key("can.resources", "resource dimensions used, in order cpu, memory, disk",
               opt().min(1).max(static_cast<double>(can::kResources)), &S::params, &P::resources)
          .key("can.virtual_dimension", "add a uniform random virtual dimension (d = resources + 1)", {}, &S::params,
               &P::virtual_dim)
          .choice("can.join_split",
                  "when no halving separates a joiner's point from the owner's: own_point splits the virtual "
                  "dimension and moves the joiner's virtual coordinate into its half, so every peer's zone holds its "
                  "own point; halving splits the next dimension in order (one of the two loses its point) "
                  "(docs/can.md)",
                  std::vector<std::pair<std::string, can::JoinRule>>{{"own_point", can::JoinRule::kOwnPoint},
                                                                     {"halving", can::JoinRule::kHalving}},
                  &S::params, &P::join_rule)
          .owned_by(kStandalone)
          .choice("can.population",
                  "node capabilities: independent random (mixed) or a few identical classes (clustered)",
                  std::vector<std::pair<std::string, can::Population>>{{"mixed", can::Population::kMixed},
                                                                       {"clustered", can::Population::kClustered}},
                  &S::params, &P::capabilities, &M::population)
          .key("can.classes", "clustered: number of machine classes", opt().min(1).max(1e6), &S::params,
               &P::capabilities, &M::classes)
          .key("can.cpu_mhz", "[min, max] CPU speed drawn from", opt().unit("MHz"), &S::cpu_mhz)
          .key("can.memory_mib", "[min, max] memory drawn from", opt().unit("MiB"), &S::memory_mib)
          .key("can.disk_gib", "[min, max] disk drawn from", opt().unit("GiB"), &S::disk_gib)
          .owned_by("the CAN overlay")
          .choice("can.bootstrap",
                  "join: peer i starts at i * join_interval and joins; oracle: zones precomputed at time 0",
                  std::vector<std::pair<std::string, can::Bootstrap>>{{"join", can::Bootstrap::kJoin},
                                                                      {"oracle", can::Bootstrap::kOracle}},
                  &S::params, &P::bootstrap)
          .key("can.join_interval", "join bootstrap: gap between consecutive peers' starts", opt().min(0),
               &S::join_interval)
          .key("can.update_period", "neighbour update period (jittered +-25%)", opt().min(1e-3), &S::params,
               &P::update_period)
          .key("can.dead_after", "silence after which a neighbour is suspected and routed around", opt().min(1e-3),
               &S::params, &P::dead_after)
          .key("can.takeover_step", "takeover delay per level of relative zone size (smaller zones claim sooner)",
               opt().min(0), &S::params, &P::takeover_step)
          .key("can.join_timeout", "retry a join through another contact after this", opt().min(1e-3), &S::params,
               &P::join_timeout)
          .key("can.max_hops", "routed messages are dropped after this", opt().min(1).max(65535), &S::params,
               &P::max_hops)
          .owned_by(kStandalone)
          .key("can.probe.interval",
               "routing probes: mean gap between one peer's probes (exponential; 0: no probes)", opt().min(0),
               &S::params, &P::probe_interval)
          .key("can.probe.start", "no probe is sent before this", opt().min(0), &S::params, &P::probe_start)
          .key("can.probe.stop", "no probe is sent after this (0: run end)", opt().min(0), &S::probe_stop)
          .key("can.probe.timeout", "a probe without reply after this is recorded as timed out", opt().min(1e-3),
               &S::params, &P::probe_timeout);
  return section;
}

void check_range(const Config& c, const char* key, const std::vector<std::int64_t>& v) {
  if (v.size() != 2 || v[0] < 0 || v[1] < v[0] || v[1] > 0xFFFFFFFELL) {
    throw ConfigError(c.origin() + ": key '" + key + "': expected [min, max] with 0 <= min <= max < 2^32");
  }
}

}  // namespace

void declare_can(Schema& schema) { can_section().declare(schema); }

CanSettings can_settings(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  CanSettings s = can_section().read(c);
  can::Params& p = s.params;
  p.seed = seed;
  p.peers = peers;
  const std::pair<const char*, const std::vector<std::int64_t>*> ranges[] = {
      {"can.cpu_mhz", &s.cpu_mhz}, {"can.memory_mib", &s.memory_mib}, {"can.disk_gib", &s.disk_gib}};
  for (std::size_t r = 0; r < can::kResources; ++r) {
    const auto& [key, range] = ranges[r];
    check_range(c, key, *range);
    p.capabilities.min[r] = static_cast<std::uint32_t>((*range)[0]);
    p.capabilities.max[r] = static_cast<std::uint32_t>((*range)[1]);
  }
  if (p.dead_after <= p.update_period) {
    throw ConfigError(c.origin() + ": key 'can.dead_after': " + format_duration(p.dead_after) +
                      " must exceed can.update_period (" + format_duration(p.update_period) +
                      "), or live neighbours would be declared dead");
  }
  p.probe_stop = s.probe_stop.ns > 0 ? Time{s.probe_stop.ns} : Time::never();
  return s;
}

namespace {

Deployment deploy_can(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const CanSettings settings = can_settings(c, peers, seed);
  const can::Params& p = settings.params;
  Deployment d;
  d.factory = can::factory(p);
  d.tables = {&can::ZoneRecord::kTable, &can::ProbeRecord::kTable};
  if (p.bootstrap == can::Bootstrap::kJoin) {
    const Duration gap = settings.join_interval;
    d.start_time = [gap](PeerId peer) { return Time{gap.ns * static_cast<std::int64_t>(peer.value)}; };
  } else {
    d.prepare = [](Engine& engine) {
      auto& proto = dynamic_cast<NodeProtocol<can::ProbeNode, can::Params>&>(engine.protocol());
      can::oracle_bootstrap(proto.params(), engine.shard(),
                            [&](std::size_t slot, std::vector<can::Zone> zones, can::NeighbourTable table) {
                              proto.nodes()[slot].overlay().oracle_install(std::move(zones), std::move(table));
                            });
    };
  }
  return d;
}

}  // namespace

ProtocolBinding can_binding() {
  return {"can", "CAN overlay with a virtual dimension and a routing-probe workload", declare_can, deploy_can,
          [](const Config& /*c*/) {
            return KeyUse{{"the CAN overlay", kStandalone}, "run.protocol = \"can\""};
          }};
}

}  // namespace p2pgrid
