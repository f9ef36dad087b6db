// Config glue for the standalone Chord overlay: the [chord] section, the
// probe workload and the choice of bootstrap (`join` through the protocol,
// or the `oracle` that computes every peer's state at time 0).

#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/overlay/chord/probe_node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"

namespace p2pgrid {
namespace {

using ChordProtocol = NodeProtocol<chord::ProbeNode, chord::Params>;

void declare_chord(Schema& s) {
  s.field({"chord.bootstrap", ValueKind::kString, std::string("join"), "",
           "join: peers join over time through the protocol; oracle: every peer's state computed correct at time 0",
           {}, {}, {"join", "oracle"}});
  s.field({"chord.successors", ValueKind::kInt, std::int64_t{8}, "", "r, length of the successor list", 1,
           chord::SuccessorList::kMax, {}});
  s.field({"chord.stabilize", ValueKind::kDuration, Duration::seconds(30), "", "period of stabilize", 1e-3, {}, {}});
  s.field({"chord.fix_fingers", ValueKind::kDuration, Duration::seconds(30), "", "period of fixing one finger", 1e-3,
           {}, {}});
  s.field({"chord.check_predecessor", ValueKind::kDuration, Duration::seconds(30), "",
           "period of check_predecessor", 1e-3, {}, {}});
  s.field({"chord.rpc_timeout", ValueKind::kDuration, Duration::milliseconds(500), "",
           "a request unanswered this long has failed", 1e-6, {}, {}});
  s.field({"chord.lookup_timeouts", ValueKind::kInt, std::int64_t{3}, "",
           "timeouts one lookup survives (each retried around the dead peer)", 0, 255, {}});
  s.field({"chord.jitter", ValueKind::kFloat, 0.5, "", "periods are drawn uniformly in period*(1 +- jitter)", 0, 0.95,
           {}});
  s.field({"chord.join_interval", ValueKind::kDuration, Duration::milliseconds(100), "",
           "join bootstrap: peer p starts at p * join_interval", 0, {}, {}});
  s.field({"chord.bootstrap_peers", ValueKind::kInt, std::int64_t{16}, "",
           "well-known peers 0..k-1 that (re)joining peers contact", 1, 1e6, {}});
  s.field({"chord.join_retry", ValueKind::kDuration, Duration::seconds(5), "", "wait after a failed join", 1e-3, {},
           {}});
  s.field({"chord.probe_rate", ValueKind::kFloat, 0.0, "lookups/s",
           "probe workload: random-key lookups per simulated second over all peers (0: none)", 0, {}, {}});
  s.field({"chord.probe_start", ValueKind::kDuration, Duration{0}, "", "probes begin at this time", 0, {}, {}});
  s.field({"chord.probe_keys", ValueKind::kString, std::string("uniform"), "",
           "uniform: probe keys uniform on the ring; finger: the id of a random one of the top "
           "chord.probe_finger_bits finger entries (SimGrid's example)",
           {}, {}, {"uniform", "finger"}});
  s.field({"chord.probe_finger_bits", ValueKind::kInt, std::int64_t{24}, "",
           "probe_keys = finger: the ring size in bits of the SimGrid run compared with (its nb_bits)", 1,
           chord::FingerTable::kSize, {}});
  s.field({"chord.lookups", ValueKind::kString, std::string("iterative"), "",
           "iterative: the origin asks each hop and confirms the owner; recursive: each hop forwards and the "
           "key's predecessor answers the origin (SimGrid's example)",
           {}, {}, {"iterative", "recursive"}});
  s.field({"chord.join_schedule", ValueKind::kString, std::string("interval"), "",
           "join bootstrap: interval: peer p starts at p * join_interval through a random well-known peer; "
           "simgrid-waves: peer i starts at 20 s * (floor(log2 i) + 1) + U(0, 10 s) through its ring "
           "predecessor among the earlier waves",
           {}, {}, {"interval", "simgrid-waves"}});
}

/// SimGrid's Chord deployment: peer i (wave floor(log2 i) + 1) knows its
/// ring predecessor among the peers of the earlier waves, 0 .. 2^floor(log2 i) - 1.
/// Deployment data computed from the ids, as SimGrid's deployment file names
/// each node's contact; the protocol only ever sees its own entry.
std::shared_ptr<const std::vector<PeerId>> wave_contacts(std::uint32_t peers, std::uint64_t salt) {
  std::vector<PeerId> contact(peers, PeerId::none());
  std::vector<std::pair<RingId, PeerId>> earlier;  // sorted by id
  for (std::uint32_t first = 1; first < peers; first *= 2) {
    for (std::uint32_t p = first / 2; p < first; ++p) earlier.emplace_back(ring_id_of(PeerId{p}, salt), PeerId{p});
    std::sort(earlier.begin(), earlier.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    const std::uint32_t last = first > peers / 2 ? peers : 2 * first;
    for (std::uint32_t i = first; i < last; ++i) {
      const RingId id = ring_id_of(PeerId{i}, salt);
      const auto it = std::lower_bound(earlier.begin(), earlier.end(), id,
                                       [](const std::pair<RingId, PeerId>& e, RingId k) { return e.first < k; });
      contact[i] = (it == earlier.begin() ? earlier.back() : *std::prev(it)).second;  // the ring wraps
    }
  }
  if (peers > 0) contact[0] = PeerId{0};  // creates the ring
  return std::make_shared<const std::vector<PeerId>>(std::move(contact));
}

}  // namespace

chord::Params chord_params_from(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  chord::Params p;
  p.peers = peers;
  p.salt = seed;
  p.successors = static_cast<std::uint32_t>(c.integer("chord.successors"));
  p.stabilize = c.duration("chord.stabilize");
  p.fix_fingers = c.duration("chord.fix_fingers");
  p.check_predecessor = c.duration("chord.check_predecessor");
  p.rpc_timeout = c.duration("chord.rpc_timeout");
  p.lookup_timeouts = static_cast<std::uint32_t>(c.integer("chord.lookup_timeouts"));
  p.jitter = c.number("chord.jitter");
  p.bootstrap_peers = static_cast<std::uint32_t>(c.integer("chord.bootstrap_peers"));
  p.join_retry = c.duration("chord.join_retry");
  const double rate = c.number("chord.probe_rate");
  if (rate > 0) {
    // Every peer probes at rate/peers, so the live peers together probe at
    // `rate` times the live fraction.
    p.probe_interval = Duration{std::llround(static_cast<double>(peers) / rate * 1e9)};
    if (p.probe_interval.ns <= 0) {
      throw ConfigError(c.origin() + ": key 'chord.probe_rate': " + std::to_string(rate) +
                        " lookups/s is too high for " + std::to_string(peers) + " peers");
    }
  }
  p.probe_start = Time{c.duration("chord.probe_start").ns};
  if (c.text("chord.probe_keys") == "finger") p.probe_finger_bits = static_cast<std::uint32_t>(c.integer("chord.probe_finger_bits"));
  p.recursive_lookups = c.text("chord.lookups") == "recursive";
  if (c.text("chord.bootstrap") == "oracle") {
    p.join_interval = Duration{0};  // everyone is up at time 0; restarts join through peers 0..k-1
  } else {
    p.join_interval = c.duration("chord.join_interval");
    if (c.text("chord.join_schedule") == "simgrid-waves") {
      p.join_waves = true;
      p.wave_contacts = wave_contacts(peers, seed);
    } else if (p.join_interval.ns <= 0 && peers > 1) {
      throw ConfigError(c.origin() +
                        ": key 'chord.join_interval': must be positive with chord.bootstrap = \"join\" (peers "
                        "join one after another through earlier ones)");
    }
  }
  return p;
}

namespace {

Deployment deploy_chord(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  chord::Params p = chord_params_from(c, peers, seed);
  p.trace_joins = true;
  Deployment d;
  const bool oracle = c.text("chord.bootstrap") == "oracle";
  if (!oracle) d.start_time = [p](PeerId q) { return p.start_of(q); };
  d.factory = [p](const ShardPeers& shard) { return std::make_unique<ChordProtocol>(shard, p); };
  if (oracle) {
    d.prepare = [p](Engine& engine) {
      // ORACLE: the global sorted id list, built on every rank, sets the
      // state of this rank's peers only.
      auto& protocol = dynamic_cast<ChordProtocol&>(engine.protocol());
      const chord::OracleRing ring(p.peers, p.salt);
      for (chord::ProbeNode& peer : protocol.nodes()) peer.node_for_oracle().oracle_bootstrap(ring);
    };
  }
  d.tables = {&chord::LookupRecord::kTable, &chord::SnapshotRecord::kTable, &chord::JoinRecord::kTable};
  return d;
}

}  // namespace

ProtocolBinding chord_binding() {
  return {"chord", "Chord DHT (join or oracle start, stabilization, churn) with a lookup-probe workload",
          declare_chord, deploy_chord};
}

}  // namespace p2pgrid
