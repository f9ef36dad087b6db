#pragma once
/// Face coverage in the CAN space: whether the zones a peer knows cover
/// every face of its own zones, and if not, a point in the gap (Node's
/// check_faces routes a hello there). Pure geometry, so it is tested on its
/// own (tests/overlay/can/face_cover_test.cpp).

#include <array>
#include <cstdint>
#include <span>

#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

/// An integer box [lo, hi) per dimension; hi may be 2^32.
struct Box {
  std::array<std::uint64_t, kMaxDims> lo{};
  std::array<std::uint64_t, kMaxDims> hi{};
};

inline Box box_of(const Zone& z) {
  Box b;
  for (int d = 0; d < kMaxDims; ++d) {
    b.lo[static_cast<std::size_t>(d)] = z.lo(d);
    b.hi[static_cast<std::size_t>(d)] = z.hi(d);
  }
  return b;
}

/// A point of `r` that no zone covers, if any: halve `r` (never along
/// `skip`, the face normal) until a part meets no zone. Zones are dyadic,
/// so a few halvings settle every part. `budget` caps the calls: with many
/// tiny neighbour zones (clustered machines) the recursion can visit
/// millions of parts per check; a gap the budget misses is found by a
/// later check, since faces are re-checked every update period.
///
/// `zones` is reordered: the ones meeting `r` are moved to the front and
/// only they go down to the halves (a zone that misses `r` misses its
/// halves). The answer does not depend on the order (any covering zone
/// ends the call, "partial" is an or), so this only saves work.
bool find_uncovered(const Box& r, std::span<Box> zones, int dims, int skip, int depth, Point& out, int& budget);

/// True when `zones` certainly cover `face`: some zone covers it whole, or
/// the parts of the zones inside it are pairwise disjoint and add up to it.
/// False means "not shown" (find_uncovered decides), so it only spares the
/// recursion in the common case. The face and the zones must be dyadic
/// boxes, as Node's are: then every part is one too (two dyadic intervals
/// that meet are nested), so its cell count is exactly 2^-deficit of the
/// face's, where deficit is how many levels finer it is. A part more than
/// 96 levels finer (impossible for a face one cell thick) answers false.
bool face_covered(const Box& face, std::span<const Box> zones);

}  // namespace p2pgrid::can
