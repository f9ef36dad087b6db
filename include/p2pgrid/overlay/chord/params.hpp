#pragma once
/// Chord's configuration for one run (the same on every peer). Defaults are
/// documented in docs/chord.md; the [chord] section of a scenario sets them.

#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid::chord {

struct Params {
  std::uint32_t peers = 0;                               ///< size of the address space (peer ids 0..peers-1)
  std::uint64_t salt = 0;                                ///< separates id spaces: ring_id_of(peer, salt)
  std::uint32_t successors = 8;                          ///< r, length of the successor list
  Duration stabilize = Duration::seconds(30);            ///< period of stabilize
  Duration fix_fingers = Duration::seconds(30);          ///< period of fixing one finger
  Duration check_predecessor = Duration::seconds(30);    ///< period of check_predecessor
  Duration rpc_timeout = Duration::milliseconds(500);    ///< a request without answer by then failed
  std::uint32_t lookup_timeouts = 3;                     ///< timeouts a lookup survives before it fails
  double jitter = 0.5;                                   ///< periods drawn uniformly in period*(1 +- jitter)

  /// Joining: peer p first starts at p * join_interval; its bootstrap
  /// contacts are the well-known peers 0..bootstrap_peers-1 that started
  /// before it (deployment data, as a real client ships a list of seed
  /// nodes). A peer with no such contact creates the ring.
  Duration join_interval = Duration{0};
  std::uint32_t bootstrap_peers = 16;
  Duration join_retry = Duration::seconds(5);            ///< wait after a failed join before trying again

  /// SimGrid's join waves instead of join_interval: peer i >= 1 starts at
  /// 20 s * (floor(log2 i) + 1) + U(0, 10 s) and joins through
  /// wave_contacts[i], its ring predecessor among the earlier waves
  /// (deployment data, computed by the binding).
  bool join_waves = false;
  std::shared_ptr<const std::vector<PeerId>> wave_contacts;

  /// A live deployment's seed peers, instead of join_interval and
  /// bootstrap_peers: a peer joins through one of them other than itself,
  /// at random; the first one listed creates the ring. Null in the emulator.
  std::shared_ptr<const std::vector<PeerId>> seeds;

  /// Lookups through the lookup() service (probes, the stack's): iterative
  /// with owner confirmation (false), or recursive as SimGrid's example.
  bool recursive_lookups = false;

  /// Probe workload: each live, joined peer looks up a key at exponential
  /// intervals of this mean (0: no probes), from probe_start.
  Duration probe_interval = Duration{0};
  Time probe_start = Time::zero();
  /// 0: probe keys are uniform. b > 0: the key is the id of a random one of
  /// the top b finger entries, as SimGrid's example draws its lookups over
  /// its b-bit ring (its entry k covers the share of the ring that our entry
  /// 64 - b + k covers).
  std::uint32_t probe_finger_bits = 0;

  /// Record a chord_joins row per completed join (the standalone binding
  /// declares the table; a composed stack that does not leaves it off).
  bool trace_joins = false;

  /// When peer p first starts (the deployment's start_time for `join`).
  [[nodiscard]] Time start_of(PeerId p) const {
    if (!join_waves) return Time{join_interval.ns * static_cast<std::int64_t>(p.value)};
    if (p.value == 0) return Time::zero();
    constexpr std::uint64_t kWaveSalt = 0x77617665ULL;  // "wave": its own stream, apart from placement's
    Rng rng(hash_combine(salt, kWaveSalt), p, Purpose::kPlacement);
    const auto wave = static_cast<std::int64_t>(std::bit_width(p.value));  // floor(log2 i) + 1
    return Time{Duration::seconds(20).ns * wave + static_cast<std::int64_t>(rng.below(Duration::seconds(10).ns + 1))};
  }
};

}  // namespace p2pgrid::chord
