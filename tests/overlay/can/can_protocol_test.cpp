// The CAN protocol end to end on one rank, checked against computations
// made here from the trace: exact tiling after 1,000 joins and after 20%
// of the peers crash; joins reproduce the oracle's split history; probes
// are resolved by the owner of their point; hop counts follow CAN's
// (d/4) N^(1/d); the virtual dimension spreads identical machines.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "can_harness.hpp"
#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::can {
namespace {

constexpr const char* kJoinScenario = R"(
[run]
protocol = "can"
duration = "150s"
[peers]
count = 1000
[can]
bootstrap = "join"
join_interval = "100ms"
[can.probe]
interval = "20s"
start = "110s"
stop = "140s"
)";

/// A fifth of the peers crash once the joins are over.
constexpr const char* kTwentyPercentCrash = R"(
[[faults]]
at = "105s"
fraction = 0.2
)";

/// Live peers whose neighbour table differs from the exact adjacency of
/// the final zones (brute force over every pair), printed.
std::size_t tables_off(Engine& e) {
  const auto& nodes = test::protocol_of(e).nodes();
  std::size_t wrong = 0;
  for (const auto& a : nodes) {
    std::set<std::uint32_t> expected;
    for (const auto& b : nodes) {
      if (&a == &b) continue;
      for (const Zone& za : a.overlay().zones()) {
        for (const Zone& zb : b.overlay().zones()) {
          if (za.abuts(zb)) expected.insert(b.overlay().self().value);
        }
      }
    }
    std::set<std::uint32_t> got;
    for (const auto& n : a.overlay().neighbours().neighbours()) got.insert(n.id.value);
    if (got == expected) continue;
    ++wrong;
    std::printf("peer %u: table %zu, true %zu:", a.overlay().self().value, got.size(), expected.size());
    for (const auto x : expected) {
      if (got.count(x) == 0) std::printf(" missing %u", x);
    }
    for (const auto x : got) {
      if (expected.count(x) == 0) std::printf(" extra %u", x);
    }
    std::printf("\n");
  }
  return wrong;
}

TEST(CanProtocol, ThousandJoinsTileTheSpaceExactlyAndProbesFindTheOwner) {
  for (const char* seed : {"run.seed=1", "run.seed=5"}) {
    SCOPED_TRACE(seed);
    std::size_t wrong_tables = 0;
    const auto out = test::run(test::scenario(kJoinScenario, {seed}), [&](Engine& e) { wrong_tables = tables_off(e); });
    EXPECT_EQ(wrong_tables, 0U);
    const auto bs = test::boxes(out.zones);
    std::set<std::uint32_t> holders;
    for (const auto& b : bs) holders.insert(b.peer);
    EXPECT_EQ(holders.size(), 1000U) << "every peer joined and holds a zone";
    test::expect_exact_tiling(bs);

    ASSERT_GT(out.probes.size(), 1000U);
    std::size_t delivered = 0;
    for (const auto& p : out.probes) {
      ASSERT_EQ(p.outcome, ProbeRecord::kDelivered);
      EXPECT_EQ(p.result, test::owner_of(bs, p.point)) << "probe from " << p.origin;
      ++delivered;
    }
    EXPECT_EQ(delivered, out.probes.size());
  }
}

TEST(CanProtocol, SlowJoinsReproduceTheOracleSplitHistory) {
  // Joins far enough apart never overlap, so the protocol must build
  // exactly the zones of the split tree replayed in id order.
  const Scenario s = test::scenario(
      kJoinScenario, {"peers.count=200", "can.join_interval=1s", "run.duration=210s", "can.probe.interval=0s"});
  const auto out = test::run(s);
  Params p;
  p.seed = s.seed;
  SplitTree tree(p.dims(), PeerId{0}, p.join_rule, p.virtual_index());
  std::vector<Point> pts;
  for (std::uint32_t i = 0; i < 200; ++i) pts.push_back(point_of(p.capabilities, s.seed, PeerId{i}, 3, true));
  for (std::uint32_t i = 1; i < 200; ++i) {
    ASSERT_TRUE(tree.insert(PeerId{i}, pts[i], pts[tree.owner_at(pts[i]).value]));
  }
  ASSERT_EQ(out.zones.size(), 200U);
  for (const auto& r : out.zones) {
    const Zone& z = tree.zone(tree.leaf_owned_by(PeerId{r.peer}));
    for (int d = 0; d < kMaxDims; ++d) {
      EXPECT_EQ(r.lo[d], to_unit(z.lo(d))) << "peer " << r.peer << " dim " << d;
      EXPECT_EQ(r.hi[d], to_unit(z.hi(d))) << "peer " << r.peer << " dim " << d;
      // The joiner moved its virtual coordinate as the tree did (JoinRule::kOwnPoint).
      EXPECT_EQ(r.point[d], to_unit(pts[r.peer].x[static_cast<std::size_t>(d)])) << "peer " << r.peer << " dim " << d;
    }
    EXPECT_TRUE(z.contains(pts[r.peer])) << "peer " << r.peer << " is outside its own zone";
  }
}

TEST(CanProtocol, TwentyPercentCrashIsTakenOverAndTheSpaceStaysTiled) {
  for (const char* seed : {"run.seed=1", "run.seed=3", "run.seed=5"}) {
    SCOPED_TRACE(seed);
    const Scenario s = test::scenario(std::string(kJoinScenario) + kTwentyPercentCrash,
                                      {"run.duration=180s", "can.probe.start=150s", "can.probe.stop=175s", seed});
    std::size_t wrong_tables = 0;
    const auto out = test::run(s, [&](Engine& e) { wrong_tables = tables_off(e); });
    EXPECT_EQ(wrong_tables, 0U);
    std::set<std::uint32_t> crashed;
    for (const auto& f : s.faults.events) crashed.insert(f.peer.value);
    ASSERT_EQ(crashed.size(), 200U);
    const auto bs = test::boxes(out.zones);
    std::set<std::uint32_t> holders;
    for (const auto& b : bs) {
      EXPECT_EQ(crashed.count(b.peer), 0U) << "a crashed peer still holds a zone";
      holders.insert(b.peer);
    }
    EXPECT_EQ(holders.size(), 800U);
    test::expect_exact_tiling(bs);
    // Routing after takeover: every probe reaches the current owner.
    ASSERT_GT(out.probes.size(), 500U);
    for (const auto& p : out.probes) {
      ASSERT_EQ(p.outcome, ProbeRecord::kDelivered) << "probe from " << p.origin << " at " << p.time_ns;
      EXPECT_EQ(p.result, test::owner_of(bs, p.point));
    }
  }
}

// A face check is skipped while its answer cannot have changed (no gap
// last time, no zone edited since): stopped at instants around a 20%
// crash, while zones change hands, no peer that would skip its next check
// has a gap the check would find. At each instant some peers skip (most,
// away from the takeovers), so the check is not vacuous.
TEST(CanProtocol, FaceChecksAreSkippedOnlyWhenTheyWouldFindNothing) {
  for (const char* end : {"run.duration=100s", "run.duration=108s", "run.duration=112s", "run.duration=125s"}) {
    SCOPED_TRACE(end);
    const Scenario s = test::scenario(std::string(kJoinScenario) + kTwentyPercentCrash,
                                      {"can.probe.interval=0s", end});
    std::size_t skipping = 0;
    std::size_t wrong = 0;
    std::size_t live = 0;
    test::run(s, [&](Engine& e) {
      for (const auto& n : test::protocol_of(e).nodes()) {
        const Node& can = n.overlay();
        if (can.phase() != Phase::kJoined || can.zones().empty()) continue;
        ++live;
        if (!can.faces_known_covered()) continue;
        ++skipping;
        if (!can.face_gaps().empty()) ++wrong;
      }
    });
    EXPECT_EQ(wrong, 0U);
    std::printf("%s: %zu of %zu joined peers skip their next check\n", end, skipping, live);
    EXPECT_GT(skipping, 0U);
  }
}

TEST(CanProtocol, GracefulLeavesHandZonesOver) {
  const Scenario s = test::scenario(std::string(kJoinScenario) + R"(
[[faults]]
at = "105s"
action = "leave"
fraction = 0.1
)",
                                    {"peers.count=400", "run.duration=130s", "can.probe.interval=0s"});
  const auto out = test::run(s);
  const auto bs = test::boxes(out.zones);
  std::set<std::uint32_t> holders;
  for (const auto& b : bs) holders.insert(b.peer);
  EXPECT_EQ(holders.size(), 360U);
  test::expect_exact_tiling(bs);
}

double mean_hops(int resources, std::uint32_t peers) {
  const auto out =
      test::run(test::scenario(R"(
[run]
protocol = "can"
duration = "40s"
[can]
bootstrap = "oracle"
[can.probe]
interval = "5s"
start = "1s"
)",
                               {"peers.count=" + std::to_string(peers), "can.resources=" + std::to_string(resources)}));
  const auto bs = test::boxes(out.zones);
  test::expect_exact_tiling(bs);
  double sum = 0;
  for (const auto& p : out.probes) {
    EXPECT_EQ(p.outcome, ProbeRecord::kDelivered);
    EXPECT_EQ(p.result, test::owner_of(bs, p.point));
    sum += p.hops;
  }
  EXPECT_GT(out.probes.size(), 2000U);
  return sum / static_cast<double>(out.probes.size());
}

TEST(CanProtocol, MeanHopsFollowCanPathLengthInTwoAndFourDimensions) {
  // CAN §2.2: with n equal zones the average path is (d/4) n^(1/d). Zones
  // here come from points (halves of random sizes), which lengthens paths
  // a little; greedy-to-nearest-zone shortens them. Expect within 35%.
  for (const auto& [resources, peers] : {std::pair{1, 1024U}, std::pair{3, 4096U}}) {
    const int d = resources + 1;
    const double expected = d / 4.0 * std::pow(static_cast<double>(peers), 1.0 / d);
    const double measured = mean_hops(resources, peers);
    std::printf("d=%d N=%u: mean hops %.2f, (d/4)N^(1/d) = %.2f\n", d, peers, measured, expected);
    EXPECT_NEAR(measured, expected, 0.35 * expected) << "d=" << d;
  }
}

struct Spread {
  std::size_t distinct_points = 0;
  std::size_t holders = 0;  ///< peers holding a zone (others were refused)
  double log2_sd = 0;       ///< sd of log2(volume) within a class, averaged over classes
  double ratio = 0;         ///< largest/smallest volume within a class, worst class
};

Spread clustered_spread(bool virtual_dim) {
  const Scenario s = test::scenario(R"(
[run]
protocol = "can"
duration = "1ms"
[peers]
count = 1000
[can]
bootstrap = "oracle"
population = "clustered"
classes = 4
)",
                                    {std::string("can.virtual_dimension=") + (virtual_dim ? "true" : "false")});
  std::set<std::array<std::uint32_t, kMaxDims>> points;
  std::map<std::uint32_t, std::array<std::uint32_t, 3>> machine;  // peer -> its capability coordinates
  const auto out = test::run(s, [&](Engine& e) {
    for (const auto& n : test::protocol_of(e).nodes()) {
      const Point& p = n.overlay().point();
      points.insert(p.x);
      machine[n.overlay().self().value] = {p.x[0], p.x[1], p.x[2]};
    }
  });
  std::map<std::uint32_t, double> volume;
  for (const auto& r : out.zones) {
    double v = 1;
    for (int d = 0; d < kMaxDims; ++d) v *= r.hi[d] - r.lo[d];
    volume[r.peer] += v;
  }
  std::map<std::array<std::uint32_t, 3>, std::vector<double>> by_class;
  for (const auto& [peer, v] : volume) by_class[machine[peer]].push_back(std::log2(v));
  Spread sp;
  sp.distinct_points = points.size();
  sp.holders = volume.size();
  for (const auto& [cls, logs] : by_class) {
    double mean = 0;
    for (const double l : logs) mean += l;
    mean /= static_cast<double>(logs.size());
    double var = 0;
    for (const double l : logs) var += (l - mean) * (l - mean);
    sp.log2_sd += std::sqrt(var / static_cast<double>(logs.size())) / static_cast<double>(by_class.size());
    const auto [lo, hi] = std::minmax_element(logs.begin(), logs.end());
    sp.ratio = std::max(sp.ratio, std::exp2(*hi - *lo));
  }
  return sp;
}

TEST(CanProtocol, VirtualDimensionGivesIdenticalMachinesDistinctBalancedZones) {
  // Paper §3: identical machines share a capability point. Without the
  // virtual dimension their zones can only nest around it (each join halves
  // the last zone) until the finest level refuses further joins; with it
  // they split their region along a uniform random coordinate.
  const Spread with = clustered_spread(true);
  const Spread without = clustered_spread(false);
  std::printf(
      "clustered, 4 classes, 1000 peers (volume spread within a class of identical machines):\n"
      "  with virtual dim:    %zu distinct points, %zu peers hold zones, sd(log2 volume) %.2f, "
      "max/min %.3g\n"
      "  without virtual dim: %zu distinct points, %zu peers hold zones, sd(log2 volume) %.2f, "
      "max/min %.3g\n",
      with.distinct_points, with.holders, with.log2_sd, with.ratio, without.distinct_points, without.holders,
      without.log2_sd, without.ratio);
  EXPECT_EQ(with.distinct_points, 1000U);
  EXPECT_EQ(with.holders, 1000U);
  EXPECT_LE(without.distinct_points, 4U);
  EXPECT_LT(without.holders, 1000U);
  EXPECT_GT(without.log2_sd, 5 * with.log2_sd);
  EXPECT_GT(without.ratio, 1e10 * with.ratio);
}

TEST(CanProtocol, OracleTablesMatchBruteForceAdjacency) {
  const Scenario s = test::scenario(R"(
[run]
protocol = "can"
duration = "1ms"
[peers]
count = 500
[can]
bootstrap = "oracle"
)");
  test::run(s, [&](Engine& e) {
    const auto& nodes = test::protocol_of(e).nodes();
    std::vector<Zone> all;
    for (const auto& n : nodes) {
      ASSERT_EQ(n.overlay().zones().size(), 1U);
      all.push_back(n.overlay().zones()[0]);
    }
    std::size_t links = 0;
    for (const auto& n : nodes) links += n.overlay().neighbours().size();
    std::printf("oracle, 500 peers, d=4: %.2f neighbours per peer\n",
                static_cast<double>(links) / static_cast<double>(nodes.size()));
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      std::set<std::uint32_t> expected;
      for (std::size_t j = 0; j < nodes.size(); ++j) {
        if (j != i && all[i].abuts(all[j])) expected.insert(static_cast<std::uint32_t>(j));
      }
      std::set<std::uint32_t> got;
      for (const auto& nb : nodes[i].overlay().neighbours().neighbours()) got.insert(nb.id.value);
      EXPECT_EQ(got, expected) << "peer " << i;
    }
  });
}

}  // namespace
}  // namespace p2pgrid::can
