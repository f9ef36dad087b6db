#pragma once
/// Arithmetic on Chord's identifier circle of 2^64 positions (Stoica et al.,
/// ToN 2003, section IV-A). Every interval is taken clockwise, modulo 2^64,
/// and unsigned wrap-around does the modular part for free.
///
/// Worked example on a small circle (the same rules hold for 2^64; numbers
/// shown mod 16 for readability): with a = 12 and b = 3, the open interval
/// (12, 3) holds 13, 14, 15, 0, 1, 2; the half-open interval (12, 3] also
/// holds 3. With a == b the interval goes all the way round: (5, 5) is every
/// position but 5, and (5, 5] is the whole circle (a ring of one peer owns
/// every key).

#include <bit>
#include <cstdint>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::chord {

/// Clockwise distance from a to b: how far b lies ahead of a (0 when equal).
constexpr std::uint64_t distance(RingId a, RingId b) { return b - a; }

/// x in (a, b), clockwise; (a, a) is the circle without a.
constexpr bool in_open(RingId x, RingId a, RingId b) {
  if (a == b) return x != a;
  return distance(a, x) != 0 && distance(a, x) < distance(a, b);
}

/// x in (a, b], clockwise; (a, a] is the whole circle.
constexpr bool in_half_open(RingId x, RingId a, RingId b) {
  if (a == b) return true;
  return distance(a, x) != 0 && distance(a, x) <= distance(a, b);
}

/// Start of finger i of a peer at `id`: id + 2^i (ToN Table I). i < 64.
constexpr RingId finger_start(RingId id, unsigned i) { return id + (std::uint64_t{1} << i); }

/// The highest finger index whose start lies strictly before `key` (seen
/// from `id`), or -1 if none does. Fingers above it cannot precede the key,
/// so a next-hop search may begin here. Example: id = 0, key = 10: starts
/// 1, 2, 4, 8 precede 10 and 16 does not, so the answer is 3.
constexpr int highest_finger_before(RingId id, RingId key) {
  const std::uint64_t d = distance(id, key);
  if (d == 0) return 63;  // key == id: the whole circle lies ahead
  if (d == 1) return -1;
  return 63 - std::countl_zero(d - 1);
}

}  // namespace p2pgrid::chord
