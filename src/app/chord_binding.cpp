// Config glue for the standalone Chord overlay: the [chord] section, the
// probe workload and the choice of bootstrap (`join` through the protocol,
// or the `oracle` that computes every peer's state at time 0).

#include <cmath>
#include <memory>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/overlay/chord/node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"

namespace p2pgrid {
namespace {

using ChordProtocol = NodeProtocol<chord::Node, chord::Params>;

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
  if (c.text("chord.bootstrap") == "oracle") {
    p.join_interval = Duration{0};  // everyone is up at time 0; restarts join through peers 0..k-1
  } else {
    p.join_interval = c.duration("chord.join_interval");
    if (p.join_interval.ns <= 0 && peers > 1) {
      throw ConfigError(c.origin() +
                        ": key 'chord.join_interval': must be positive with chord.bootstrap = \"join\" (peers "
                        "join one after another through earlier ones)");
    }
  }
  return p;
}

namespace {

Deployment deploy_chord(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const chord::Params p = chord_params_from(c, peers, seed);
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
      for (chord::Node& node : protocol.nodes()) node.oracle_bootstrap(ring);
    };
  }
  d.tables = {&chord::LookupRecord::kTable, &chord::SnapshotRecord::kTable};
  return d;
}

}  // namespace

ProtocolBinding chord_binding() {
  return {"chord", "Chord DHT (join or oracle start, stabilization, churn) with a lookup-probe workload",
          declare_chord, deploy_chord};
}

}  // namespace p2pgrid
