// can-push, the pure parts: line aggregates, the designated upper
// neighbour (checked against the split tree's owner of the probe point),
// the push decision, and the property the issue asks for: a chain of
// pushes through a whole oracle-built space never moves a job to a node
// that cannot run it (checked on the nodes' capability values).

#include <gtest/gtest.h>

#include <limits>

#include "can_space.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "p2pgrid/match/can_push_aggregates.hpp"

namespace p2pgrid {
namespace {

using match::LineAggregate;
using match::PushOption;

TEST(CanPushLine, ExtendAddsOnePeerAndSaturates) {
  EXPECT_EQ(match::extend_line({}, 3), (LineAggregate{1, 3}));
  EXPECT_EQ(match::extend_line({4, 10}, 2), (LineAggregate{5, 12}));
  constexpr auto kMax = std::numeric_limits<std::uint32_t>::max();
  EXPECT_EQ(match::extend_line({kMax, kMax - 1}, 5), (LineAggregate{kMax, kMax}));
}

TEST(CanPushLine, UpperProbePointExample) {
  // [0,1/2) x [1/4,1/2), dim 0 -> (1/2, 3/8), as in the header's example.
  const can::Zone z = can::Zone::from_bounds({0, 1U << 30U, 0, 0}, {1, 2, 0, 0});
  can::Point p;
  ASSERT_TRUE(match::upper_probe_point(z, 0, 2, p));
  EXPECT_EQ(p.x[0], 1U << 31U);
  EXPECT_EQ(p.x[1], 3U << 29U);
  // The upper face in dim 1 is inside the space, in dim 0 of [1/2,1) it is not.
  const can::Zone top = can::Zone::from_bounds({1U << 31U, 0, 0, 0}, {1, 0, 0, 0});
  EXPECT_FALSE(match::upper_probe_point(top, 0, 2, p));
}

TEST(CanPushUpper, DesignatedUpperIsTheOwnerOfTheProbePoint) {
  const test::CanSpace space(800, 5, can::Population::kMixed);
  std::size_t uppers = 0;
  for (std::uint32_t p = 0; p < 800; ++p) {
    for (int d = 0; d < 3; ++d) {
      const PeerId u = match::upper_in(space.zone[p], d, 4, space.table[p], Time::zero());
      can::Point probe;
      if (!match::upper_probe_point(space.zone[p], d, 4, probe)) {
        EXPECT_FALSE(u.valid());
        continue;
      }
      EXPECT_EQ(u, space.tree.owner_at(probe)) << "peer " << p << " dim " << d;
      ++uppers;
      // And the upper knows it is read: is_upper_of from its side.
      EXPECT_TRUE(match::is_upper_of(std::span(&space.zone[u.value], 1), std::span(&space.zone[p], 1), d, 4));
      EXPECT_GE(space.zone[u.value].lo(d), space.zone[p].hi(d)) << "the upper lies above";
    }
  }
  EXPECT_GT(uppers, 1000U);
}

TEST(CanPushDecision, LightestCapableLineBelowThreshold) {
  std::array<PushOption, 3> o{};
  o[0] = {PeerId{1}, true, {4, 8}};   // average 2
  o[1] = {PeerId{2}, false, {4, 0}};  // average 0 but cannot run the job
  o[2] = {PeerId{3}, true, {2, 3}};   // average 1.5
  auto d = match::decide_push(o, 4, 0.75);  // threshold 3
  EXPECT_EQ(d.to, PeerId{3});
  EXPECT_EQ(d.dim, 2);
  d = match::decide_push(o, 2, 0.75);  // threshold 1.5: 1.5 is not below it
  EXPECT_FALSE(d.to.valid());
  d = match::decide_push(o, 0, 10.0);  // an idle local candidate: stay
  EXPECT_FALSE(d.to.valid());
  o[2].line = {};  // unknown line: not a way up
  d = match::decide_push(o, 4, 0.75);
  EXPECT_EQ(d.to, PeerId{1});
  o[0].line = {2, 3};
  o[2] = {PeerId{3}, true, {4, 6}};  // equal averages: the lower dimension
  d = match::decide_push(o, 4, 1.0);
  EXPECT_EQ(d.dim, 0);
}

// A job arrives at its owner and is pushed as CanMatch::decide would
// (random queues, random line aggregates so pushes happen often), up to
// 8 times. Every peer a push reaches must satisfy the job by value, and
// every peer is above the previous one in the pushed dimension.
TEST(CanPushDecision, PushesNeverReachANodeThatCannotRunTheJob) {
  for (const auto population : {can::Population::kMixed, can::Population::kClustered}) {
    const test::CanSpace space(700, 8, population);
    const can::CapabilityModel& m = space.params.capabilities;
    Rng rng(29);
    std::vector<std::uint32_t> queue(700);
    for (auto& q : queue) q = static_cast<std::uint32_t>(3 + rng.below(10));
    // Every neighbour reports its queue.
    std::vector<can::NeighbourTable> tables = space.table;
    for (auto& t : tables) {
      for (const can::Neighbour& n : std::vector<can::Neighbour>(t.neighbours().begin(), t.neighbours().end())) {
        t.touch(n.id, queue[n.id.value], Time::zero());
      }
    }
    std::size_t pushes = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      grid::Resources req{};
      for (std::size_t r = 0; r < 3; ++r) {
        if (rng.uniform01() < 0.5) req[r] = static_cast<std::uint32_t>(m.min[r] + rng.below((m.max[r] - m.min[r]) / 2));
      }
      const match::CanRequirement q = match::can_requirement(m, req);
      can::Point at = q.point;
      at.x[3] = static_cast<std::uint32_t>(rng() >> 32U);
      PeerId decider = space.tree.owner_at(at);
      for (int step = 0; step < 8; ++step) {
        const std::uint32_t self = decider.value;
        const match::CanLocalView view{decider, grid::satisfies(space.caps[self].value, req), queue[self],
                                       tables[self].neighbours(), Time::zero(), 3};
        const match::CanChoice c = match::choose_can(view, q.point, match::CanAssignments{});
        if (!c.winner.valid()) break;
        EXPECT_TRUE(grid::satisfies(space.caps[c.winner.value].value, req));
        std::array<PushOption, 3> o{};
        for (int d = 0; d < 3; ++d) {
          auto& opt = o[static_cast<std::size_t>(d)];
          opt.upper = match::upper_in(space.zone[self], d, 4, space.table[self], Time::zero());
          if (!opt.upper.valid()) continue;
          opt.capable = match::dominates(space.table[self].find(opt.upper)->point, q.point, 3);
          const auto count = static_cast<std::uint32_t>(1 + rng.below(5));
          opt.line = {count, static_cast<std::uint32_t>(rng.below(6 * count))};
        }
        const match::PushDecision push = match::decide_push(o, c.load, 1.0);
        if (!push.to.valid()) break;
        ++pushes;
        ASSERT_TRUE(grid::satisfies(space.caps[push.to.value].value, req))
            << "pushed job " << req[0] << "/" << req[1] << "/" << req[2] << " to " << push.to.value;
        EXPECT_GE(space.zone[push.to.value].lo(push.dim), space.zone[self].hi(push.dim));
        decider = push.to;
      }
    }
    EXPECT_GT(pushes, 2000U) << "the test really pushed";
  }
}

}  // namespace
}  // namespace p2pgrid
