#pragma once
/// Identifiers: a peer's address in the emulated network (PeerId, dense
/// 0..N-1) and 64-bit overlay identifiers derived from it by hashing.

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace p2pgrid {

/// A peer's network address. Dense, so per-peer tables are plain arrays.
struct PeerId {
  std::uint32_t value = std::numeric_limits<std::uint32_t>::max();

  static constexpr PeerId none() { return {}; }
  [[nodiscard]] constexpr bool valid() const { return value != none().value; }
  friend constexpr auto operator<=>(PeerId, PeerId) = default;
};

/// A position on a 64-bit identifier ring (Chord ids, job GUIDs).
using RingId = std::uint64_t;

/// SplitMix64's finaliser: a bijective 64-bit mixer with full avalanche.
/// Used for every hash in p2pgrid so results never depend on std::hash.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30U;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27U;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31U;
  return x;
}

/// Hash of several words, order-sensitive.
constexpr std::uint64_t hash_combine(std::uint64_t h, std::uint64_t v) {
  return mix64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6U) + (h >> 2U)));
}

/// The overlay identifier of a peer: a hash of its address, as Chord hashes
/// the IP address. `salt` separates independent id spaces (e.g. per seed).
constexpr RingId ring_id_of(PeerId peer, std::uint64_t salt = 0) {
  return hash_combine(mix64(salt ^ 0x70656572ULL), peer.value);
}

}  // namespace p2pgrid

template <>
struct std::hash<p2pgrid::PeerId> {
  std::size_t operator()(p2pgrid::PeerId p) const noexcept { return p2pgrid::mix64(p.value); }
};
