// Config glue for the CAN overlay with its routing-probe workload: the
// `[can]` keys, node populations (capabilities), the `join` and `oracle`
// bootstraps. Protocol code never sees the config; it gets can::Params.

#include <string>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/probe_node.hpp"
#include "p2pgrid/overlay/can/probe_record.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"

namespace p2pgrid {
namespace {

void declare_can(Schema& s) {
  s.field({"can.resources", ValueKind::kInt, std::int64_t{3}, "",
           "resource dimensions used, in order cpu, memory, disk", 1, 3, {}});
  s.field({"can.virtual_dimension", ValueKind::kBool, true, "",
           "add a uniform random virtual dimension (d = resources + 1)", {}, {}, {}});
  s.field({"can.population", ValueKind::kString, std::string("mixed"), "",
           "node capabilities: independent random (mixed) or a few identical classes (clustered)", {}, {},
           {"mixed", "clustered"}});
  s.field({"can.classes", ValueKind::kInt, std::int64_t{4}, "", "clustered: number of machine classes", 1, 1e6, {}});
  s.field({"can.cpu_mhz", ValueKind::kIntList, std::vector<std::int64_t>{500, 4000}, "MHz",
           "[min, max] CPU speed drawn from", {}, {}, {}});
  s.field({"can.memory_mib", ValueKind::kIntList, std::vector<std::int64_t>{512, 16384}, "MiB",
           "[min, max] memory drawn from", {}, {}, {}});
  s.field({"can.disk_gib", ValueKind::kIntList, std::vector<std::int64_t>{10, 1000}, "GiB",
           "[min, max] disk drawn from", {}, {}, {}});
  s.field({"can.bootstrap", ValueKind::kString, std::string("join"), "",
           "join: peer i starts at i * join_interval and joins; oracle: zones precomputed at time 0", {}, {},
           {"join", "oracle"}});
  s.field({"can.join_interval", ValueKind::kDuration, Duration::milliseconds(100), "",
           "join bootstrap: gap between consecutive peers' starts", 0, {}, {}});
  s.field({"can.update_period", ValueKind::kDuration, Duration::seconds(2), "",
           "neighbour update period (jittered +-25%)", 1e-3, {}, {}});
  s.field({"can.dead_after", ValueKind::kDuration, Duration::seconds(6), "",
           "silence after which a neighbour is suspected and routed around", 1e-3, {}, {}});
  s.field({"can.takeover_step", ValueKind::kDuration, Duration::milliseconds(500), "",
           "takeover delay per level of relative zone size (smaller zones claim sooner)", 0, {}, {}});
  s.field({"can.join_timeout", ValueKind::kDuration, Duration::seconds(10), "",
           "retry a join through another contact after this", 1e-3, {}, {}});
  s.field({"can.max_hops", ValueKind::kInt, std::int64_t{512}, "", "routed messages are dropped after this", 1, 65535,
           {}});
  s.field({"can.probe.interval", ValueKind::kDuration, Duration{0}, "",
           "routing probes: mean gap between one peer's probes (exponential; 0: no probes)", 0, {}, {}});
  s.field({"can.probe.start", ValueKind::kDuration, Duration{0}, "", "no probe is sent before this", 0, {}, {}});
  s.field({"can.probe.stop", ValueKind::kDuration, Duration{0}, "", "no probe is sent after this (0: run end)", 0, {},
           {}});
  s.field({"can.probe.timeout", ValueKind::kDuration, Duration::seconds(5), "",
           "a probe without reply after this is recorded as timed out", 1e-3, {}, {}});
}

std::uint32_t bound(const Config& c, const char* key, std::size_t i) {
  return static_cast<std::uint32_t>(c.integers(key)[i]);
}

void check_range(const Config& c, const char* key) {
  const auto& v = c.integers(key);
  if (v.size() != 2 || v[0] < 0 || v[1] < v[0] || v[1] > 0xFFFFFFFELL) {
    throw ConfigError(c.origin() + ": key '" + key + "': expected [min, max] with 0 <= min <= max < 2^32");
  }
}

}  // namespace

can::Params can_params_from(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  can::Params p;
  p.seed = seed;
  p.peers = peers;
  p.resources = static_cast<int>(c.integer("can.resources"));
  p.virtual_dim = c.boolean("can.virtual_dimension");
  p.capabilities.population =
      c.text("can.population") == "clustered" ? can::Population::kClustered : can::Population::kMixed;
  p.capabilities.classes = static_cast<std::uint32_t>(c.integer("can.classes"));
  const char* ranges[] = {"can.cpu_mhz", "can.memory_mib", "can.disk_gib"};
  for (std::size_t r = 0; r < can::kResources; ++r) {
    check_range(c, ranges[r]);
    p.capabilities.min[r] = bound(c, ranges[r], 0);
    p.capabilities.max[r] = bound(c, ranges[r], 1);
  }
  p.bootstrap = c.text("can.bootstrap") == "oracle" ? can::Bootstrap::kOracle : can::Bootstrap::kJoin;
  p.update_period = c.duration("can.update_period");
  p.dead_after = c.duration("can.dead_after");
  if (p.dead_after <= p.update_period) {
    throw ConfigError(c.origin() + ": key 'can.dead_after': " + format_duration(p.dead_after) +
                      " must exceed can.update_period (" + format_duration(p.update_period) +
                      "), or live neighbours would be declared dead");
  }
  p.takeover_step = c.duration("can.takeover_step");
  p.join_timeout = c.duration("can.join_timeout");
  p.max_hops = static_cast<std::uint16_t>(c.integer("can.max_hops"));
  p.probe_interval = c.duration("can.probe.interval");
  p.probe_start = Time{c.duration("can.probe.start").ns};
  const Duration stop = c.duration("can.probe.stop");
  p.probe_stop = stop.ns > 0 ? Time{stop.ns} : Time::never();
  p.probe_timeout = c.duration("can.probe.timeout");
  return p;
}

namespace {

Deployment deploy_can(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const can::Params p = can_params_from(c, peers, seed);
  Deployment d;
  d.factory = can::factory(p);
  d.tables = {&can::ZoneRecord::kTable, &can::ProbeRecord::kTable};
  if (p.bootstrap == can::Bootstrap::kJoin) {
    const Duration gap = c.duration("can.join_interval");
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
  return {"can", "CAN overlay with a virtual dimension and a routing-probe workload", declare_can, deploy_can};
}

}  // namespace p2pgrid
