#include "p2pgrid/overlay/can/face_cover.hpp"

#include <algorithm>
#include <bit>
#include <utility>

namespace p2pgrid::can {
namespace {

struct Reach {
  bool meets = true;   ///< shares interior points with the box
  bool covers = true;  ///< contains the box
};

Reach reach(const Box& z, const Box& r) {
  Reach out;
  for (std::size_t i = 0; i < kMaxDims; ++i) {
    if (z.lo[i] >= r.hi[i] || z.hi[i] <= r.lo[i]) out.meets = false;
    if (z.lo[i] > r.lo[i] || z.hi[i] < r.hi[i]) out.covers = false;
  }
  return out;
}

}  // namespace

bool find_uncovered(const Box& r, std::span<Box> zones, int dims, int skip, int depth, Point& out, int& budget) {
  if (budget-- <= 0) return false;
  std::size_t meeting = 0;
  for (std::size_t k = 0; k < zones.size(); ++k) {
    const Reach z = reach(zones[k], r);
    if (z.covers) return false;
    if (z.meets) std::swap(zones[meeting++], zones[k]);
  }
  if (meeting == 0) {
    for (int d = 0; d < kMaxDims; ++d) {
      const auto i = static_cast<std::size_t>(d);
      out.x[i] = static_cast<std::uint32_t>(r.lo[i] + (r.hi[i] - r.lo[i]) / 2);
    }
    return true;
  }
  if (depth == 0) return false;
  int widest = -1;
  for (int d = 0; d < dims; ++d) {
    const auto i = static_cast<std::size_t>(d);
    if (d != skip && r.hi[i] - r.lo[i] > 1 &&
        (widest < 0 || r.hi[i] - r.lo[i] > r.hi[static_cast<std::size_t>(widest)] - r.lo[static_cast<std::size_t>(widest)])) {
      widest = d;
    }
  }
  if (widest < 0) return false;
  const auto w = static_cast<std::size_t>(widest);
  Box a = r;
  Box b = r;
  a.hi[w] = r.lo[w] + (r.hi[w] - r.lo[w]) / 2;
  b.lo[w] = a.hi[w];
  const auto near = zones.first(meeting);
  return find_uncovered(a, near, dims, skip, depth - 1, out, budget) ||
         find_uncovered(b, near, dims, skip, depth - 1, out, budget);
}

bool face_covered(const Box& face, std::span<const Box> zones) {
  __extension__ using Cells = unsigned __int128;
  constexpr std::size_t kMaxParts = 32;
  std::array<Box, kMaxParts> parts;
  std::size_t n = 0;
  Cells cells = 0;
  for (const Box& z : zones) {
    const Reach zr = reach(z, face);
    if (zr.covers) return true;
    if (!zr.meets) continue;
    Box part;
    int deficit = 0;
    for (std::size_t i = 0; i < kMaxDims; ++i) {
      part.lo[i] = std::max(z.lo[i], face.lo[i]);
      part.hi[i] = std::min(z.hi[i], face.hi[i]);
      deficit += std::countr_zero(face.hi[i] - face.lo[i]) - std::countr_zero(part.hi[i] - part.lo[i]);
    }
    if (n == kMaxParts || deficit > 96) return false;
    for (std::size_t k = 0; k < n; ++k) {
      bool apart = false;
      for (std::size_t i = 0; i < kMaxDims; ++i) {
        apart = apart || parts[k].lo[i] >= part.hi[i] || part.lo[i] >= parts[k].hi[i];
      }
      if (!apart) return false;  // stale zones overlap: counting cannot tell
    }
    parts[n++] = part;
    cells += Cells{1} << (96 - deficit);
  }
  return cells == Cells{1} << 96U;
}

}  // namespace p2pgrid::can
