#pragma once
/// What a checkpoint holds of the engine, as records declared once with
/// fields() (p2pgrid/core/fields.hpp): one per peer (engine state and the
/// protocol stack's state) and one per pending event. Records name peers,
/// never ranks or slots, so a checkpoint written on N ranks is read on M:
/// each rank keeps the records of the peers its partition gives it.
/// docs/checkpoint.md describes the file around them.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "p2pgrid/core/checkpoint_error.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Largest protocol state of one peer (a bound for reading a file, not a
/// buffer: a run node with a long queue or a client of thousands of jobs
/// holds megabytes; a can-push run at 100,000 nodes outgrew 1 MiB), and
/// largest pending payload.
inline constexpr std::size_t kMaxPeerState = std::size_t{1} << 28U;
/// The first buffer a peer's state is written into; it doubles as needed.
inline constexpr std::size_t kFirstPeerStateBuffer = std::size_t{1} << 16U;
/// A peer's traffic counters in a checkpoint: 6 protocols x 4 u64.
inline constexpr std::size_t kPeerTrafficBytes = 192;
inline constexpr std::size_t kMaxEventPayload = 1U << 20U;

/// One peer: the engine's view (sequence counter, random stream,
/// incarnation, liveness) and its stack's own state bytes.
struct PeerCheckpoint {
  PeerId peer;
  std::uint64_t seq = 0;
  std::uint64_t rng = 0;
  std::uint32_t incarnation = 0;
  bool alive = false;
  std::span<const std::byte> state;
  /// The engine's traffic counters of the peer (trace.traffic): 0 bytes
  /// when off, else kPeerTrafficBytes (u64 counts, little-endian). The
  /// traffic table is written at the end from them, so a resumed run must
  /// start from the counts so far.
  std::span<const std::byte> traffic;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("peer.id", s.peer);
    v("peer.seq", s.seq);
    v("peer.rng", s.rng);
    v("peer.incarnation", s.incarnation);
    v("peer.alive", s.alive);
    v.template bytes<std::uint32_t>("peer.state_size", "peer.state", s.state, kMaxPeerState);
    v.template bytes<std::uint32_t>("peer.traffic_size", "peer.traffic", s.traffic, kPeerTrafficBytes);
  }
};

/// One pending event: its order key (time, sender, sender's sequence
/// number), the peer it is for, and its body (a timer's tag and the
/// incarnation it belongs to, or a message's payload).
struct EventCheckpoint {
  /// Engine event kinds, as engine.cpp numbers them.
  static constexpr std::uint8_t kMaxKind = 5;
  static constexpr std::uint8_t kMessage = 0;

  Time time;
  std::uint64_t seq = 0;
  PeerId src;
  PeerId dst;
  std::uint8_t kind = 0;
  std::uint64_t tag = 0;
  std::uint32_t incarnation = 0;
  bool cancelled = false;
  std::span<const std::byte> payload;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("event.time", s.time);
    v("event.seq", s.seq);
    v("event.src", s.src);
    v("event.dst", s.dst);
    v("event.kind", s.kind);
    v.require("event.kind", s.kind <= kMaxKind, [&] { return "unknown event kind " + std::to_string(s.kind); });
    v("event.tag", s.tag);
    v("event.incarnation", s.incarnation);
    v("event.cancelled", s.cancelled);
    v.template bytes<std::uint32_t>("event.payload_size", "event.payload", s.payload, kMaxEventPayload);
  }
};

}  // namespace p2pgrid
