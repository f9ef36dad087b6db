// Config glue for the standalone Chord overlay: the [chord] section, the
// probe workload and the choice of bootstrap (`join` through the protocol,
// or the `oracle` that computes every peer's state at time 0).

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>
#include <vector>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/config/section.hpp"
#include "p2pgrid/overlay/chord/probe_node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"

namespace p2pgrid {
namespace {

using ChordProtocol = NodeProtocol<chord::ProbeNode, chord::Params>;

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
          .key("chord.probe_start", "probes begin at this time", opt().min(0), &S::params, &P::probe_start)
          .key("chord.probe_keys",
               "uniform: probe keys uniform on the ring; finger: the id of a random one of the top "
               "chord.probe_finger_bits finger entries (SimGrid's example)",
               opt().choices({"uniform", "finger"}), &S::probe_keys)
          .key("chord.probe_finger_bits",
               "probe_keys = finger: the ring size in bits of the SimGrid run compared with (its nb_bits)",
               opt().min(1).max(chord::FingerTable::kSize), &S::probe_finger_bits)
          .key("chord.lookups",
               "iterative: the origin asks each hop and confirms the owner; recursive: each hop forwards and the "
               "key's predecessor answers the origin (SimGrid's example)",
               opt().choices({"iterative", "recursive"}), &S::lookups)
          .key("chord.join_schedule",
               "join bootstrap: interval: peer p starts at p * join_interval through a random well-known peer; "
               "simgrid-waves: peer i starts at 20 s * (floor(log2 i) + 1) + U(0, 10 s) through its ring "
               "predecessor among the earlier waves",
               opt().choices({"interval", "simgrid-waves"}), &S::join_schedule);
  return section;
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
  if (s.probe_keys == "finger") p.probe_finger_bits = s.probe_finger_bits;
  p.recursive_lookups = s.lookups == "recursive";
  if (s.oracle()) {
    p.join_interval = Duration{0};  // everyone is up at time 0; restarts join through peers 0..k-1
  } else {
    p.join_interval = s.join_interval;
    if (s.join_schedule == "simgrid-waves") {
      p.join_waves = true;
      p.wave_contacts = wave_contacts(peers, seed);
    } else if (p.join_interval.ns <= 0 && peers > 1) {
      throw ConfigError(c.origin() +
                        ": key 'chord.join_interval': must be positive with chord.bootstrap = \"join\" (peers "
                        "join one after another through earlier ones)");
    }
  }
  return s;
}

namespace {

Deployment deploy_chord(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  ChordSettings settings = chord_settings(c, peers, seed);
  settings.params.trace_joins = true;
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
      for (chord::ProbeNode& peer : protocol.nodes()) peer.node_for_oracle().oracle_bootstrap(ring);
    };
  }
  d.tables = {&chord::LookupRecord::kTable, &chord::SnapshotRecord::kTable, &chord::JoinRecord::kTable};
  return d;
}

}  // namespace

ProtocolBinding chord_binding() {
  return {"chord", "Chord DHT (join or oracle start, stabilization, churn) with a lookup-probe workload",
          declare_chord, deploy_chord,
          [](const Config& /*c*/) { return KeyUse{{"the Chord overlay"}, "run.protocol = \"chord\""}; }};
}

}  // namespace p2pgrid
