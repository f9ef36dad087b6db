#include "p2pgrid/overlay/can/zone.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace p2pgrid::can {

Zone Zone::from_bounds(const std::array<std::uint32_t, kMaxDims>& lo, const std::array<std::uint8_t, kMaxDims>& level) {
  Zone z;
  for (int d = 0; d < kMaxDims; ++d) {
    const auto i = static_cast<std::size_t>(d);
    if (level[i] > kMaxLevel) {
      throw std::invalid_argument("zone level " + std::to_string(level[i]) + " in dimension " + std::to_string(d) +
                                  " exceeds " + std::to_string(kMaxLevel));
    }
    if ((std::uint64_t{lo[i]} & ((kSpan >> level[i]) - 1)) != 0) {
      throw std::invalid_argument("zone lower bound " + std::to_string(lo[i]) + " in dimension " + std::to_string(d) +
                                  " is not a multiple of its width 2^" + std::to_string(32 - level[i]));
    }
  }
  z.lo_ = lo;
  z.level_ = level;
  return z;
}

int Zone::split_dim(int dims) const {
  int best = 0;
  for (int d = 1; d < dims; ++d) {
    if (level(d) < level(best)) best = d;
  }
  return best;
}

bool Zone::splittable(int dims) const { return level(split_dim(dims)) < kMaxLevel; }

int Zone::separating_dim(int dims, const Point& keep, const Point& join) const {
  const int first = split_dim(dims);
  for (int k = 0; k < dims; ++k) {
    const int d = (first + k) % dims;
    if (level(d) >= kMaxLevel) continue;
    const std::uint64_t mid = lo(d) + (width(d) >> 1U);
    const auto i = static_cast<std::size_t>(d);
    if ((keep.x[i] < mid) != (join.x[i] < mid)) return d;
  }
  return level(first) < kMaxLevel ? first : -1;
}

bool Zone::halving_separates(int dim, const Point& a, const Point& b) const {
  const std::uint64_t mid = lo(dim) + (width(dim) >> 1U);
  const auto i = static_cast<std::size_t>(dim);
  return (a.x[i] < mid) != (b.x[i] < mid);
}

JoinSplit join_split(const Zone& zone, int dims, const Point& keep, const Point& join, JoinRule rule,
                     int virtual_dim) {
  const int dim = zone.separating_dim(dims, keep, join);
  if (dim < 0) return {};
  const bool identical_sides = keep != join && !zone.halving_separates(dim, keep, join);
  if (rule == JoinRule::kOwnPoint && identical_sides && virtual_dim >= 0 && zone.level(virtual_dim) < kMaxLevel) {
    const auto [low, high] = zone.split_along(virtual_dim);
    return {virtual_dim, !low.contains(keep)};
  }
  return {dim, zone.split_along(dim).first.contains(join)};
}

Point into_zone(const Zone& zone, Point p, int virtual_dim) {
  if (virtual_dim < 0 || zone.contains(p)) return p;
  const auto v = static_cast<std::size_t>(virtual_dim);
  const std::uint64_t low_bits = zone.width(virtual_dim) - 1;
  p.x[v] = static_cast<std::uint32_t>(zone.lo(virtual_dim) + (p.x[v] & low_bits));
  return p;
}

std::pair<Zone, Zone> Zone::split(int dims) const { return split_along(split_dim(dims)); }

std::pair<Zone, Zone> Zone::split_along(int dim) const {
  const auto d = static_cast<std::size_t>(dim);
  Zone low = *this;
  Zone high = *this;
  low.level_[d] = static_cast<std::uint8_t>(level_[d] + 1);
  high.level_[d] = low.level_[d];
  high.lo_[d] = static_cast<std::uint32_t>(lo_[d] + (kSpan >> low.level_[d]));
  return {low, high};
}

Zone Zone::intersection(const Zone& o) const {
  Zone z;
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    // Nested dyadic intervals: the narrower one is the intersection.
    if (level_[d] >= o.level_[d]) {
      z.lo_[d] = lo_[d];
      z.level_[d] = level_[d];
    } else {
      z.lo_[d] = o.lo_[d];
      z.level_[d] = o.level_[d];
    }
  }
  return z;
}

bool Zone::mergeable(const Zone& o) const {
  int differing = -1;
  for (int d = 0; d < kMaxDims; ++d) {
    if (lo(d) == o.lo(d) && level(d) == o.level(d)) continue;
    if (differing >= 0 || level(d) != o.level(d) || level(d) == 0) return false;
    differing = d;
  }
  if (differing < 0) return false;
  // Siblings: same parent interval, i.e. equal once the last level bit is dropped.
  const std::uint64_t parent_width = width(differing) << 1U;
  return std::uint64_t{lo(differing)} / parent_width == std::uint64_t{o.lo(differing)} / parent_width;
}

Zone Zone::merged(const Zone& o) const {
  Zone z = *this;
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    if (lo_[d] != o.lo_[d]) {
      z.level_[d] = static_cast<std::uint8_t>(level_[d] - 1);
      z.lo_[d] = lo_[d] < o.lo_[d] ? lo_[d] : o.lo_[d];
    }
  }
  return z;
}

bool Zone::before(const Zone& o) const {
  const int a = level_sum();
  const int b = o.level_sum();
  if (a != b) return a < b;
  if (lo_ != o.lo_) return lo_ < o.lo_;
  return level_ < o.level_;
}

std::vector<Zone> subtract(const Zone& a, const Zone& hole) {
  std::vector<Zone> out;
  Zone cur = a;
  while (!(cur == hole)) {
    // Split the first dimension where `cur` is still wider than the hole.
    int d = 0;
    while (cur.level(d) >= hole.level(d)) ++d;
    std::array<std::uint32_t, kMaxDims> lo{};
    std::array<std::uint8_t, kMaxDims> level{};
    for (int k = 0; k < kMaxDims; ++k) {
      lo[static_cast<std::size_t>(k)] = cur.lo(k);
      level[static_cast<std::size_t>(k)] = cur.level(k);
    }
    level[static_cast<std::size_t>(d)] = static_cast<std::uint8_t>(cur.level(d) + 1);
    Zone low = Zone::from_bounds(lo, level);
    lo[static_cast<std::size_t>(d)] = static_cast<std::uint32_t>(cur.lo(d) + (kSpan >> level[static_cast<std::size_t>(d)]));
    Zone high = Zone::from_bounds(lo, level);
    if (low.covers(hole)) {
      out.push_back(high);
      cur = low;
    } else {
      out.push_back(low);
      cur = high;
    }
  }
  return out;
}

std::uint32_t to_coord(double x) {
  if (!(x > 0)) return 0;
  if (x >= 1) return 0xFFFFFFFFU;
  return static_cast<std::uint32_t>(std::ldexp(x, 32));
}

double to_unit(std::uint64_t c) { return std::ldexp(static_cast<double>(c), -32); }

}  // namespace p2pgrid::can
