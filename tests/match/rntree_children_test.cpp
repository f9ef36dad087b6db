// The RN-Tree children table: soft state, aggregation and pruning, each
// checked against a brute-force computation over the same children.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/rntree_children.hpp"

namespace p2pgrid::match {
namespace {

SubtreeSummary summary(std::uint32_t cpu, std::uint32_t mem, std::uint32_t disk, std::uint32_t size,
                       std::uint32_t min_queue) {
  return {{cpu, mem, disk}, size, min_queue};
}

TEST(RnTreeChildren, AggregateIsOwnCombinedWithEveryChild) {
  RnTreeChildren c;
  c.heard(PeerId{7}, summary(1000, 4096, 50, 3, 2), Time{0});
  c.heard(PeerId{3}, summary(3000, 1024, 20, 5, 1), Time{0});
  const SubtreeSummary s = c.aggregate({2000, 2048, 100}, 4);
  EXPECT_EQ(s, summary(3000, 4096, 100, 9, 1));
  // No children: the node alone.
  EXPECT_EQ(RnTreeChildren{}.aggregate({1, 2, 3}, 7), summary(1, 2, 3, 1, 7));
}

TEST(RnTreeChildren, RefreshReplacesAndExpiryForgetsSilentChildren) {
  RnTreeChildren c;
  c.heard(PeerId{1}, summary(1, 1, 1, 1, 0), Time{0});
  c.heard(PeerId{2}, summary(2, 2, 2, 1, 0), Time{10});
  c.heard(PeerId{1}, summary(5, 5, 5, 4, 0), Time{20});  // a refresh, not a second child
  ASSERT_EQ(c.size(), 2U);
  EXPECT_EQ(c.aggregate({0, 0, 0}, 0).size, 1U + 4U + 1U);
  c.expire(Time{40}, Duration{25});  // child 2 heard at 10: 30 > 25 ago
  ASSERT_EQ(c.size(), 1U);
  EXPECT_EQ(c.entries()[0].peer, PeerId{1});
  c.expire(Time{45}, Duration{25});  // exactly the lifetime: kept
  EXPECT_EQ(c.size(), 1U);
  c.remove(PeerId{1});
  EXPECT_EQ(c.size(), 0U);
}

TEST(RnTreeChildren, CapableMatchesBruteForceOnRandomTables) {
  Rng rng(42);
  for (int round = 0; round < 200; ++round) {
    RnTreeChildren c;
    std::vector<std::pair<PeerId, SubtreeSummary>> all;
    const auto n = static_cast<std::uint32_t>(rng.below(40));
    for (std::uint32_t i = 0; i < n; ++i) {
      const PeerId p{static_cast<std::uint32_t>(rng.below(1000))};
      const SubtreeSummary s = summary(static_cast<std::uint32_t>(rng.below(4000)),
                                       static_cast<std::uint32_t>(rng.below(16000)),
                                       static_cast<std::uint32_t>(rng.below(1000)), 1,
                                       static_cast<std::uint32_t>(rng.below(4)));
      c.heard(p, s, Time{0});
      std::erase_if(all, [&](const auto& e) { return e.first == p; });
      all.emplace_back(p, s);
    }
    const grid::Resources req{static_cast<std::uint32_t>(rng.below(4000)), 0,
                              static_cast<std::uint32_t>(rng.below(1000))};
    const PeerId exclude = all.empty() ? PeerId::none() : all[rng.below(all.size())].first;
    std::vector<ChildRef> expected;
    for (const auto& [p, s] : all) {
      if (p != exclude && s.max[0] >= req[0] && s.max[1] >= req[1] && s.max[2] >= req[2]) {
        expected.push_back({p, s.min_queue});
      }
    }
    std::sort(expected.begin(), expected.end(), [](const ChildRef& a, const ChildRef& b) {
      return a.min_queue != b.min_queue ? a.min_queue < b.min_queue : a.peer < b.peer;
    });
    const std::size_t cap = 1 + rng.below(10);
    std::vector<ChildRef> out(cap);
    const std::size_t got = c.capable(req, exclude, out);
    out.resize(got);
    if (expected.size() > cap) expected.resize(cap);
    EXPECT_EQ(out, expected) << "round " << round;
  }
}

}  // namespace
}  // namespace p2pgrid::match
