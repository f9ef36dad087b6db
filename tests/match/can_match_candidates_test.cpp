// CAN matchmaking, the pure parts: requirement points, candidate sets,
// the least-loaded choice, the load correction and forwarding. Candidate
// sets are checked against an independent computation on the machines'
// values (not their coordinates) over a whole oracle-built space.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "can_space.hpp"

namespace p2pgrid {
namespace {

using match::CanAssignments;
using match::CanLocalView;

/// A requirement vector: each resource constrained with probability p, its
/// minimum uniform over the model's range (or beyond it, rarely).
grid::Resources random_requirements(Rng& rng, const can::CapabilityModel& m, double p) {
  grid::Resources r{};
  for (std::size_t i = 0; i < grid::kResources; ++i) {
    if (rng.uniform01() >= p) continue;
    r[i] = static_cast<std::uint32_t>(m.min[i] / 2 + rng.below(m.max[i] - m.min[i] / 2 + 1));
  }
  return r;
}

TEST(CanRequirement, UnconstrainedIsZeroAboveMaxIsUnsatisfiable) {
  const can::CapabilityModel m;
  auto r = match::can_requirement(m, {0, 0, 0});
  EXPECT_TRUE(r.satisfiable);
  EXPECT_EQ(r.point, can::Point{});
  r = match::can_requirement(m, {m.max[0], 0, m.min[2]});
  EXPECT_TRUE(r.satisfiable);
  EXPECT_EQ(r.point.x[0], can::coordinate_of(m, can::Resource::kCpu, m.max[0]));
  EXPECT_EQ(r.point.x[1], 0U);
  EXPECT_EQ(r.point.x[2], 0U);
  r = match::can_requirement(m, {0, m.max[1] + 1, 0});
  EXPECT_FALSE(r.satisfiable);
}

TEST(CanRequirement, CoordinateOrderIsValueOrder) {
  // The whole CPU range against sampled requirements, and sampled pairs of
  // the larger ranges: coord(v) >= coord(r) exactly when v >= r.
  const can::CapabilityModel m;
  Rng rng(5);
  for (std::size_t res = 0; res < grid::kResources; ++res) {
    const auto kind = static_cast<can::Resource>(res);
    for (int i = 0; i < 20000; ++i) {
      const auto v = static_cast<std::uint32_t>(m.min[res] + rng.below(m.max[res] - m.min[res] + 1));
      const auto r = static_cast<std::uint32_t>(1 + rng.below(m.max[res]));
      grid::Resources req{};
      req[res] = r;
      const can::Point q = match::can_requirement(m, req).point;
      EXPECT_EQ(can::coordinate_of(m, kind, v) >= q.x[res], v >= r) << "resource " << res << " v " << v << " r " << r;
    }
  }
}

TEST(CanJobPoint, RequirementsPlusVirtualCoordinateFromGuid) {
  const can::CapabilityModel m;
  const grid::Resources req{1000, 0, 500};
  const RingId guid = 0x1234567890abcdefULL;
  const can::Point p = match::can_job_point(m, req, guid, 3, true);
  EXPECT_EQ(p.x[0], can::coordinate_of(m, can::Resource::kCpu, 1000));
  EXPECT_EQ(p.x[1], 0U);
  EXPECT_EQ(p.x[2], can::coordinate_of(m, can::Resource::kDisk, 500));
  EXPECT_EQ(p.x[3], 0x12345678U);
  EXPECT_EQ(match::can_job_point(m, req, guid, 3, false).x[3], 0U);
}

// The candidate set of every (peer, job) pair equals, computed
// independently from the peers' capability values: the peer itself if it
// satisfies the job, and each of its neighbours that does.
void check_candidates(can::Population population, std::uint64_t seed) {
  const test::CanSpace space(600, seed, population);
  const can::CapabilityModel& m = space.params.capabilities;
  Rng rng(seed * 7 + 1);
  std::size_t nonempty = 0, partial = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const auto self = static_cast<std::uint32_t>(rng.below(space.zone.size()));
    if (!space.joined[self]) continue;
    const grid::Resources req = random_requirements(rng, m, trial % 2 == 0 ? 0.4 : 0.8);
    const match::CanRequirement r = match::can_requirement(m, req);
    const CanLocalView view{PeerId{self}, grid::satisfies(space.caps[self].value, req), 0,
                            space.table[self].neighbours(), Time::zero(), 3};
    std::set<std::uint32_t> got;
    match::for_each_can_candidate(view, r.point, CanAssignments{},
                                  [&](PeerId p, std::uint32_t) { EXPECT_TRUE(got.insert(p.value).second); });
    std::set<std::uint32_t> want;
    if (grid::satisfies(space.caps[self].value, req)) want.insert(self);
    std::size_t neighbours = 0;
    // Independent neighbour set: the split tree's leaves abutting the zone.
    space.tree.for_each_abutting(space.zone[self], [&](PeerId owner, const can::Zone&) {
      ++neighbours;
      if (r.satisfiable && grid::satisfies(space.caps[owner.value].value, req)) want.insert(owner.value);
    });
    if (!r.satisfiable) {
      // Coordinates clamp at max: the matchmaker must not rely on them then.
      continue;
    }
    ASSERT_EQ(neighbours, space.table[self].size());
    EXPECT_EQ(got, want) << "peer " << self << " job " << req[0] << "/" << req[1] << "/" << req[2];
    nonempty += want.empty() ? 0 : 1;
    partial += (!want.empty() && want.size() < neighbours + 1) ? 1 : 0;
  }
  EXPECT_GT(nonempty, 500U) << "the test saw real candidates";
  EXPECT_GT(partial, 500U) << "and sets that exclude some neighbours";
}

TEST(CanCandidates, ExactlyTheNeighboursThatSatisfyTheJobMixed) { check_candidates(can::Population::kMixed, 3); }
TEST(CanCandidates, ExactlyTheNeighboursThatSatisfyTheJobClustered) {
  check_candidates(can::Population::kClustered, 4);
}

TEST(CanCandidates, SilentNeighboursAreSkipped) {
  const test::CanSpace space(200, 9, can::Population::kMixed);
  can::NeighbourTable t = space.table[17];
  ASSERT_GE(t.size(), 3U);
  const PeerId silent = t.neighbours()[1].id;
  for (const can::Neighbour& n : space.table[17].neighbours()) {
    t.touch(n.id, 0, n.id == silent ? Time{5} : Time{100});
  }
  const CanLocalView view{PeerId{17}, false, 0, t.neighbours(), Time{50}, 3};
  std::size_t seen = 0;
  match::for_each_can_candidate(view, can::Point{}, CanAssignments{}, [&](PeerId p, std::uint32_t) {
    EXPECT_NE(p, silent);
    ++seen;
  });
  EXPECT_EQ(seen, t.size() - 1);
}

TEST(CanChoose, LeastLoadedTiesToLowerIdWithAssignmentsCounted) {
  const test::CanSpace space(400, 11, can::Population::kMixed);
  const can::CapabilityModel& m = space.params.capabilities;
  Rng rng(13);
  for (int trial = 0; trial < 2000; ++trial) {
    const auto self = static_cast<std::uint32_t>(rng.below(400));
    can::NeighbourTable t = space.table[self];
    CanAssignments assigned;
    for (const can::Neighbour& n : space.table[self].neighbours()) {
      t.touch(n.id, static_cast<std::uint32_t>(rng.below(4)), Time{10});
      for (std::uint64_t k = rng.below(3); k > 0; --k) assigned.note(n.id, Time{10});
    }
    const grid::Resources req = random_requirements(rng, m, 0.4);
    const auto self_load = static_cast<std::uint32_t>(rng.below(6));
    const bool capable = grid::satisfies(space.caps[self].value, req);
    const CanLocalView view{PeerId{self}, capable, self_load, t.neighbours(), Time::zero(), 3};
    const match::CanChoice c = match::choose_can(view, match::can_requirement(m, req).point, assigned);
    // Brute force over values.
    PeerId best = PeerId::none();
    std::uint32_t best_load = 0, count = 0;
    auto consider = [&](PeerId p, std::uint32_t load) {
      ++count;
      if (!best.valid() || load < best_load || (load == best_load && p < best)) {
        best = p;
        best_load = load;
      }
    };
    if (capable) consider(PeerId{self}, self_load);
    for (const can::Neighbour& n : t.neighbours()) {
      if (grid::satisfies(space.caps[n.id.value].value, req)) consider(n.id, n.load + assigned.extra(n.id, Time{10}));
    }
    EXPECT_EQ(c.winner, best);
    EXPECT_EQ(c.load, best_load);
    EXPECT_EQ(c.candidates, count);
  }
}

TEST(CanAssignments, CountsUntilANewerReport) {
  CanAssignments a;
  EXPECT_EQ(a.extra(PeerId{4}, Time{10}), 0U);
  a.note(PeerId{4}, Time{10});
  a.note(PeerId{4}, Time{10});
  a.note(PeerId{5}, Time{12});
  EXPECT_EQ(a.extra(PeerId{4}, Time{10}), 2U);
  EXPECT_EQ(a.extra(PeerId{5}, Time{12}), 1U);
  EXPECT_EQ(a.extra(PeerId{4}, Time{20}), 0U) << "a newer report already includes them";
  a.note(PeerId{4}, Time{20});
  EXPECT_EQ(a.extra(PeerId{4}, Time{20}), 1U);
  // Full: the slot with the oldest report is reused, the others stay.
  for (std::uint32_t i = 100; i < 100 + CanAssignments::kSlots; ++i) a.note(PeerId{i}, Time{50 + i});
  EXPECT_EQ(a.extra(PeerId{5}, Time{12}), 0U);
  EXPECT_EQ(a.extra(PeerId{4}, Time{20}), 0U);
  EXPECT_EQ(a.extra(PeerId{100 + CanAssignments::kSlots - 1}, Time{50 + 100 + CanAssignments::kSlots - 1}), 1U);
}

TEST(CanForward, AnUpperNeighbourWithTheSmallestShortfall) {
  const test::CanSpace space(500, 21, can::Population::kMixed);
  const can::CapabilityModel& m = space.params.capabilities;
  Rng rng(17);
  std::size_t found = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const auto self = static_cast<std::uint32_t>(rng.below(500));
    const grid::Resources req = random_requirements(rng, m, 0.8);
    const can::Point q = match::can_requirement(m, req).point;
    const PeerId to = match::can_forward_target(std::span(&space.zone[self], 1), space.table[self], q, Time::zero(), 3);
    // Brute force: neighbours whose zone starts at or above our upper bound
    // in some real dimension; shortfall summed over real dimensions.
    PeerId best = PeerId::none();
    std::uint64_t best_gap = 0;
    for (const can::Neighbour& n : space.table[self].neighbours()) {
      const can::Zone& z = space.table[self].zones_of(n.id).front();
      bool above = false;
      for (int d = 0; d < 3; ++d) above = above || z.lo(d) == space.zone[self].hi(d);
      if (!above) continue;
      std::uint64_t gap = 0;
      for (std::size_t d = 0; d < 3; ++d) gap += space.point[n.id.value].x[d] < q.x[d] ? q.x[d] - space.point[n.id.value].x[d] : 0;
      if (!best.valid() || gap < best_gap || (gap == best_gap && n.id < best)) {
        best = n.id;
        best_gap = gap;
      }
    }
    EXPECT_EQ(to, best);
    found += to.valid() ? 1 : 0;
  }
  EXPECT_GT(found, 1500U);
}

}  // namespace
}  // namespace p2pgrid
