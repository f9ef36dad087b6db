// Config glue for the standalone Chord overlay: the [chord] section, the
// probe workload and the choice of bootstrap (`join` through the protocol,
// or the `oracle` that computes every peer's state at time 0).

#include <cmath>
#include <memory>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/config/section.hpp"
#include "p2pgrid/overlay/chord/node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"

namespace p2pgrid {
namespace {

using ChordProtocol = NodeProtocol<chord::Node, chord::Params>;

const Section<ChordSettings>& chord_section() {
  using S = ChordSettings;
  using P = chord::Params;
  static const auto section =
      Section<S>("the Chord overlay")
          .key("chord.bootstrap",
               "join: peers join over time through the protocol; oracle: every peer's state computed correct at time 0",
               opt().choices({"join", "oracle"}), &S::bootstrap)
          .key("chord.successors", "r, length of the successor list", opt().min(1).max(chord::SuccessorList::kMax),
               &S::params, &P::successors)
          .key("chord.stabilize", "period of stabilize", opt().min(1e-3), &S::params, &P::stabilize)
          .key("chord.fix_fingers", "period of fixing one finger", opt().min(1e-3), &S::params, &P::fix_fingers)
          .key("chord.check_predecessor", "period of check_predecessor", opt().min(1e-3), &S::params,
               &P::check_predecessor)
          .key("chord.rpc_timeout", "a request unanswered this long has failed", opt().min(1e-6), &S::params,
               &P::rpc_timeout)
          .key("chord.lookup_timeouts", "timeouts one lookup survives (each retried around the dead peer)",
               opt().min(0).max(255), &S::params, &P::lookup_timeouts)
          .key("chord.jitter", "periods are drawn uniformly in period*(1 +- jitter)", opt().min(0).max(0.95),
               &S::params, &P::jitter)
          .key("chord.join_interval", "join bootstrap: peer p starts at p * join_interval", opt().min(0),
               &S::join_interval)
          .key("chord.bootstrap_peers", "well-known peers 0..k-1 that (re)joining peers contact",
               opt().min(1).max(1e6), &S::params, &P::bootstrap_peers)
          .key("chord.join_retry", "wait after a failed join", opt().min(1e-3), &S::params, &P::join_retry)
          .key("chord.probe_rate", "probe workload: random-key lookups per simulated second over all peers (0: none)",
               opt().min(0).unit("lookups/s"), &S::probe_rate)
          .key("chord.probe_start", "probes begin at this time", opt().min(0), &S::params, &P::probe_start);
  return section;
}

}  // namespace

void declare_chord(Schema& schema) { chord_section().declare(schema); }

ChordSettings chord_settings(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  ChordSettings s = chord_section().read(c);
  chord::Params& p = s.params;
  p.peers = peers;
  p.salt = seed;
  if (s.probe_rate > 0) {
    // Every peer probes at rate/peers, so the live peers together probe at
    // `rate` times the live fraction.
    p.probe_interval = Duration{std::llround(static_cast<double>(peers) / s.probe_rate * 1e9)};
    if (p.probe_interval.ns <= 0) {
      throw ConfigError(c.origin() + ": key 'chord.probe_rate': " + std::to_string(s.probe_rate) +
                        " lookups/s is too high for " + std::to_string(peers) + " peers");
    }
  }
  if (s.oracle()) {
    p.join_interval = Duration{0};  // everyone is up at time 0; restarts join through peers 0..k-1
  } else {
    p.join_interval = s.join_interval;
    if (p.join_interval.ns <= 0 && peers > 1) {
      throw ConfigError(c.origin() +
                        ": key 'chord.join_interval': must be positive with chord.bootstrap = \"join\" (peers "
                        "join one after another through earlier ones)");
    }
  }
  return s;
}

namespace {

Deployment deploy_chord(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const ChordSettings settings = chord_settings(c, peers, seed);
  const chord::Params& p = settings.params;
  Deployment d;
  const bool oracle = settings.oracle();
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
          declare_chord, deploy_chord,
          [](const Config& /*c*/) { return KeyUse{{"the Chord overlay"}, "run.protocol = \"chord\""}; }};
}

}  // namespace p2pgrid
