// Zone geometry against worked examples and against brute force on a
// coarse grid (every dyadic box of a 4x4 space enumerated).

#include "p2pgrid/overlay/can/zone.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/can/params.hpp"
#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::can {
namespace {

constexpr std::uint32_t kHalf = 1U << 31U;
constexpr std::uint32_t kQuarter = 1U << 30U;

Zone box2(std::uint32_t x, std::uint8_t lx, std::uint32_t y, std::uint8_t ly) {
  return Zone::from_bounds({x, y, 0, 0}, {lx, ly, 0, 0});
}

Point pt(std::uint32_t x, std::uint32_t y) { return Point{{x, y, 0, 0}}; }

TEST(CanZone, SplitsAlternateDimensionsInFixedOrder) {
  const Zone all;
  EXPECT_EQ(all.split_dim(2), 0);
  const auto [left, right] = all.split(2);
  EXPECT_EQ(left, box2(0, 1, 0, 0));
  EXPECT_EQ(right, box2(kHalf, 1, 0, 0));
  EXPECT_EQ(right.split_dim(2), 1);
  const auto [rb, rt] = right.split(2);
  EXPECT_EQ(rb, box2(kHalf, 1, 0, 1));
  EXPECT_EQ(rt, box2(kHalf, 1, kHalf, 1));
  EXPECT_EQ(rt.volume(), 0.25);
  EXPECT_EQ(rt.level_sum(), 2);
  // d = 4: the unused dimensions never split in d = 2.
  EXPECT_EQ(rt.split(2).first.level(2), 0);
  EXPECT_EQ(rt.split(4).first.level(2), 1);
}

TEST(CanZone, ContainsIsHalfOpen) {
  const Zone z = box2(kHalf, 1, 0, 1);  // [1/2,1) x [0,1/2)
  EXPECT_TRUE(z.contains(pt(kHalf, 0)));
  EXPECT_TRUE(z.contains(pt(0xFFFFFFFFU, kHalf - 1)));
  EXPECT_FALSE(z.contains(pt(kHalf - 1, 0)));
  EXPECT_FALSE(z.contains(pt(kHalf, kHalf)));
}

TEST(CanZone, AbutsNeedsAFaceNotACorner) {
  const Zone left = box2(0, 1, 0, 0);             // [0,1/2) x [0,1)
  const Zone right_top = box2(kHalf, 1, kHalf, 1);  // [1/2,1) x [1/2,1)
  const Zone left_bottom = box2(0, 1, 0, 1);      // [0,1/2) x [0,1/2)
  EXPECT_TRUE(left.abuts(right_top));
  EXPECT_TRUE(right_top.abuts(left));
  EXPECT_FALSE(left_bottom.abuts(right_top));  // corner only
  EXPECT_FALSE(left.abuts(left));              // overlap is not adjacency
  // No wrap-around: [0,1/4) and [3/4,1) in x are not neighbours in a box.
  EXPECT_FALSE(box2(0, 2, 0, 0).abuts(box2(3 * kQuarter, 2, 0, 0)));
}

TEST(CanZone, DistanceIsL1ToTheNearestInsidePoint) {
  const Zone z = box2(kHalf, 1, kHalf, 1);
  EXPECT_EQ(z.distance(pt(kHalf + 5, kHalf + 7)), 0U);
  EXPECT_EQ(z.distance(pt(kHalf - 10, kHalf)), 10U);
  EXPECT_EQ(z.distance(pt(kHalf - 10, kHalf - 3)), 13U);
  EXPECT_EQ(box2(0, 1, 0, 1).distance(pt(kHalf + 4, 0)), 5U);  // to kHalf - 1
}

TEST(CanZone, MergeUndoesSplitOnlyForSiblings) {
  const Zone all;
  const auto [a, b] = all.split(2);
  EXPECT_TRUE(a.mergeable(b));
  EXPECT_EQ(a.merged(b), all);
  const auto [b1, b2] = b.split(2);
  EXPECT_FALSE(a.mergeable(b1));
  // [1/4,1/2) and [1/2,3/4) touch but are not halves of one dyadic interval.
  EXPECT_FALSE(box2(kQuarter, 2, 0, 0).mergeable(box2(kHalf, 2, 0, 0)));
  EXPECT_TRUE(b1.mergeable(b2));
}

TEST(CanZone, RejectsMisalignedBounds) {
  EXPECT_THROW(Zone::from_bounds({kQuarter, 0, 0, 0}, {1, 0, 0, 0}), std::invalid_argument);
  EXPECT_THROW(Zone::from_bounds({0, 0, 0, 0}, {33, 0, 0, 0}), std::invalid_argument);
}

TEST(CanZone, SubtractLeavesDisjointPiecesThatRefillTheZone) {
  const Zone a = box2(0, 0, 0, 0);
  const Zone hole = box2(kQuarter, 2, 3 * kQuarter, 2);
  const auto rest = subtract(a, hole);
  double v = hole.volume();
  for (std::size_t i = 0; i < rest.size(); ++i) {
    EXPECT_FALSE(rest[i].overlaps(hole));
    v += rest[i].volume();
    for (std::size_t j = i + 1; j < rest.size(); ++j) EXPECT_FALSE(rest[i].overlaps(rest[j]));
  }
  EXPECT_EQ(v, 1.0);
  EXPECT_EQ(rest.size(), 4U);
}

// Brute force on the 4x4 grid of cells: every dyadic box in 2 dimensions.
TEST(CanZone, PredicatesAgreeWithCellCounting) {
  std::vector<Zone> all;
  for (std::uint8_t lx = 0; lx <= 2; ++lx) {
    for (std::uint8_t ly = 0; ly <= 2; ++ly) {
      for (std::uint32_t i = 0; i < (1U << lx); ++i) {
        for (std::uint32_t j = 0; j < (1U << ly); ++j) {
          all.push_back(box2(static_cast<std::uint32_t>(std::uint64_t{i} << (32 - lx)), lx,
                             static_cast<std::uint32_t>(std::uint64_t{j} << (32 - ly)), ly));
        }
      }
    }
  }
  auto cells = [](const Zone& z) {
    std::vector<std::pair<int, int>> c;
    for (int x = 0; x < 4; ++x) {
      for (int y = 0; y < 4; ++y) {
        if (z.contains(pt(static_cast<std::uint32_t>(x) * kQuarter, static_cast<std::uint32_t>(y) * kQuarter))) {
          c.emplace_back(x, y);
        }
      }
    }
    return c;
  };
  for (const Zone& a : all) {
    const auto ca = cells(a);
    EXPECT_EQ(ca.size(), static_cast<std::size_t>(16.0 * a.volume()));
    for (const Zone& b : all) {
      const auto cb = cells(b);
      int shared = 0;
      int faces = 0;
      for (const auto& [x1, y1] : ca) {
        for (const auto& [x2, y2] : cb) {
          if (x1 == x2 && y1 == y2) ++shared;
          if (std::abs(x1 - x2) + std::abs(y1 - y2) == 1) ++faces;
        }
      }
      EXPECT_EQ(a.overlaps(b), shared > 0);
      EXPECT_EQ(a.covers(b), shared == static_cast<int>(cb.size()));
      EXPECT_EQ(a.abuts(b), shared == 0 && faces > 0);
    }
  }
}

// The predicates use the dyadic prefix shortcut; check them against the
// interval definitions (upper bounds computed) over all four dimensions and
// the full level range 0..32, with pairs made to be nested, siblings, face
// neighbours or unrelated.
TEST(CanZone, PrefixPredicatesAgreeWithIntervalDefinitions) {
  Rng rng(21);
  const auto random_interval = [&](std::uint32_t& lo, std::uint8_t& level) {
    level = static_cast<std::uint8_t>(rng.below(kMaxLevel + 1));
    lo = static_cast<std::uint32_t>(rng() & ~((kSpan >> level) - 1));
  };
  // A related interval: the parent, a child, the sibling or the interval after.
  const auto related = [&](std::uint32_t lo, std::uint8_t level, std::uint32_t& out_lo, std::uint8_t& out_level) {
    out_lo = lo;
    out_level = level;
    const auto kind = rng.below(5);
    if (kind == 0 && level > 0) {
      out_level = static_cast<std::uint8_t>(level - rng.below(level) - 1);
      out_lo = static_cast<std::uint32_t>(lo & ~((kSpan >> out_level) - 1));
    } else if (kind == 1 && level < kMaxLevel) {
      out_level = static_cast<std::uint8_t>(level + 1 + rng.below(kMaxLevel - level));
      out_lo = static_cast<std::uint32_t>(lo + (rng() & ((kSpan >> level) - 1) & ~((kSpan >> out_level) - 1)));
    } else if (kind == 2 && level > 0) {
      out_lo = static_cast<std::uint32_t>(lo ^ (kSpan >> level));
    } else if (kind == 3 && std::uint64_t{lo} + (kSpan >> level) < kSpan) {
      out_lo = static_cast<std::uint32_t>(lo + (kSpan >> level));
    }
  };
  const auto hi = [](const Zone& z, int d) { return std::uint64_t{z.lo(d)} + (kSpan >> z.level(d)); };
  int counts[3] = {0, 0, 0};
  for (int trial = 0; trial < 200000; ++trial) {
    std::array<std::uint32_t, kMaxDims> lo_a{};
    std::array<std::uint32_t, kMaxDims> lo_b{};
    std::array<std::uint8_t, kMaxDims> level_a{};
    std::array<std::uint8_t, kMaxDims> level_b{};
    for (std::size_t d = 0; d < kMaxDims; ++d) {
      random_interval(lo_a[d], level_a[d]);
      if (rng.below(4) == 0) {
        random_interval(lo_b[d], level_b[d]);
      } else {
        related(lo_a[d], level_a[d], lo_b[d], level_b[d]);
      }
    }
    const Zone a = Zone::from_bounds(lo_a, level_a);
    const Zone b = Zone::from_bounds(lo_b, level_b);
    bool overlap = true;
    bool cover = true;
    int touching = 0;
    bool apart = false;
    int sum = 0;
    for (int d = 0; d < kMaxDims; ++d) {
      const bool disjoint = a.lo(d) >= hi(b, d) || b.lo(d) >= hi(a, d);
      overlap = overlap && !disjoint;
      cover = cover && b.lo(d) >= a.lo(d) && hi(b, d) <= hi(a, d);
      if (hi(a, d) == b.lo(d) || hi(b, d) == a.lo(d)) {
        ++touching;
      } else if (disjoint) {
        apart = true;
      }
      sum += a.level(d);
    }
    const bool abut = !apart && touching == 1;
    ASSERT_EQ(a.overlaps(b), overlap) << trial;
    ASSERT_EQ(b.overlaps(a), overlap) << trial;
    ASSERT_EQ(a.covers(b), cover) << trial;
    ASSERT_EQ(a.abuts(b), abut) << trial;
    ASSERT_EQ(b.abuts(a), abut) << trial;
    for (const ZoneContact c : {a.contact(b), b.contact(a)}) {
      ASSERT_EQ(c.overlaps, overlap) << trial;
      ASSERT_EQ(c.abuts, abut) << trial;
    }
    ASSERT_EQ(a.level_sum(), sum) << trial;
    ASSERT_EQ(a.volume(), std::ldexp(1.0, -sum)) << trial;
    counts[0] += overlap ? 1 : 0;
    counts[1] += cover ? 1 : 0;
    counts[2] += abut ? 1 : 0;
  }
  // Each predicate was seen both ways, so the comparisons meant something.
  for (const int c : counts) {
    EXPECT_GT(c, 0);
    EXPECT_LT(c, 200000);
  }
}

TEST(CanSplitTree, AbuttingLeavesMatchBruteForce) {
  Params p;
  SplitTree tree(4, PeerId{0});
  const std::uint32_t n = 300;
  std::vector<Point> pts;
  for (std::uint32_t i = 0; i < n; ++i) pts.push_back(point_of(p.capabilities, 7, PeerId{i}, 3, true));
  for (std::uint32_t i = 1; i < n; ++i) tree.insert(PeerId{i}, pts[i], pts[tree.owner_at(pts[i]).value]);
  for (std::uint32_t i = 0; i < n; ++i) {
    const Zone& zi = tree.zone(tree.leaf_owned_by(PeerId{i}));
    std::vector<std::uint32_t> expected;
    for (std::uint32_t j = 0; j < n; ++j) {
      if (j != i && zi.abuts(tree.zone(tree.leaf_owned_by(PeerId{j})))) expected.push_back(j);
    }
    std::vector<std::uint32_t> got;
    tree.for_each_abutting(zi, [&](PeerId o, const Zone&) { got.push_back(o.value); });
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, expected);
  }
}

TEST(CanJoinSplit, IdenticalMachinesOnOneSideSplitTheVirtualDimension) {
  // d = 2: one resource (x) and the virtual dimension (y). Owner and joiner
  // are the same machine (x equal) with virtual coordinates both in the
  // lower half: no halving separates them.
  const Zone whole;
  Point owner, joiner;
  owner.x = {1U << 30U, 1U << 28U, 0, 0};
  joiner.x = {1U << 30U, 1U << 29U, 0, 0};
  const JoinSplit halving = join_split(whole, 2, owner, joiner, JoinRule::kHalving, 1);
  EXPECT_EQ(halving.dim, 0);
  EXPECT_TRUE(halving.joiner_low);  // both land low in x: the owner keeps the upper half, without its point
  const JoinSplit own = join_split(whole, 2, owner, joiner, JoinRule::kOwnPoint, 1);
  EXPECT_EQ(own.dim, 1);
  EXPECT_FALSE(own.joiner_low) << "the joiner takes the virtual half without the owner's point";
  const auto [low, high] = whole.split_along(1);
  EXPECT_TRUE(low.contains(owner));
  const Point moved = into_zone(high, joiner, 1);
  EXPECT_TRUE(high.contains(moved));
  EXPECT_EQ(moved.x[0], joiner.x[0]) << "only the virtual coordinate moves";
  EXPECT_EQ(moved.x[1], joiner.x[1] + (1U << 31U)) << "into the half, keeping its low-order bits";
  // A halving that separates them is taken as before, whatever the rule.
  joiner.x[1] = 3U << 30U;
  EXPECT_EQ(join_split(whole, 2, owner, joiner, JoinRule::kOwnPoint, 1).dim, 1);
  EXPECT_EQ(into_zone(high, joiner, 1), joiner);
}

/// Share of peers whose zone holds their own point after the oracle's
/// replay of joins in id order.
double own_point_share(Population population, JoinRule rule, std::uint32_t n) {
  Params p;
  p.capabilities.population = population;
  p.join_rule = rule;
  SplitTree tree(p.dims(), PeerId{0}, rule, p.virtual_index());
  std::vector<Point> pts;
  for (std::uint32_t i = 0; i < n; ++i) pts.push_back(point_of(p.capabilities, 11, PeerId{i}, 3, true));
  for (std::uint32_t i = 1; i < n; ++i) tree.insert(PeerId{i}, pts[i], pts[tree.owner_at(pts[i]).value]);
  std::uint32_t holding = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t leaf = tree.leaf_owned_by(PeerId{i});
    holding += leaf != SplitTree::kNone && tree.zone(leaf).contains(pts[i]) ? 1 : 0;
  }
  return static_cast<double>(holding) / n;
}

TEST(CanJoinSplit, EveryPeerKeepsAZoneAroundItsOwnPoint) {
  for (const Population population : {Population::kClustered, Population::kMixed}) {
    const double own = own_point_share(population, JoinRule::kOwnPoint, 1000);
    const double halving = own_point_share(population, JoinRule::kHalving, 1000);
    std::printf("peers whose zone holds their point (%s nodes): own_point %.3f, halving %.3f\n",
                population == Population::kClustered ? "clustered" : "mixed", own, halving);
    EXPECT_EQ(own, 1.0);
    if (population == Population::kClustered) {
      EXPECT_LT(halving, 0.9) << "the case the rule exists for";
    }
  }
}

TEST(CanCapabilities, ClusteredPeersShareFewMachinesAndMixedOnesDiffer) {
  CapabilityModel clustered;
  clustered.population = Population::kClustered;
  clustered.classes = 3;
  CapabilityModel mixed;
  std::set<std::array<std::uint32_t, 3>> cl;
  std::set<std::array<std::uint32_t, 3>> mx;
  for (std::uint32_t i = 0; i < 200; ++i) {
    const Capabilities c = capabilities_of(clustered, 5, PeerId{i});
    for (std::size_t r = 0; r < 3; ++r) {
      EXPECT_GE(c.value[r], clustered.min[r]);
      EXPECT_LE(c.value[r], clustered.max[r]);
    }
    cl.insert(c.value);
    mx.insert(capabilities_of(mixed, 5, PeerId{i}).value);
    EXPECT_EQ(capabilities_of(mixed, 5, PeerId{i}), capabilities_of(mixed, 5, PeerId{i}));
  }
  EXPECT_EQ(cl.size(), 3U);
  EXPECT_EQ(mx.size(), 200U);
  // Coordinates are monotone in capability: more capable = larger coordinate.
  EXPECT_EQ(coordinate_of(mixed, Resource::kCpu, 500), 0U);
  EXPECT_LT(coordinate_of(mixed, Resource::kCpu, 2000), coordinate_of(mixed, Resource::kCpu, 2001));
  EXPECT_EQ(coordinate_of(mixed, Resource::kCpu, 4000), (std::uint64_t{3500} << 32U) / 3501);
}

}  // namespace
}  // namespace p2pgrid::can
