// The RN-Tree search decision, driven over a static random tree whose
// children tables hold exact subtree summaries. Every outcome is checked
// against a brute-force walk of the same tree: candidates are capable,
// the owner's subtree comes first, pruning never skips a capable node,
// an exhaustive search finds every capable node, and the least loaded
// candidate wins.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/rntree.hpp"
#include "p2pgrid/match/rntree_search.hpp"

namespace p2pgrid::match {
namespace {

/// A random recursive tree (node 0 the root; each node's parent has a
/// lower index), with random capabilities and queues.
struct StaticTree {
  std::vector<PeerId> parent;
  std::vector<grid::Resources> caps;
  std::vector<std::uint32_t> queue;
  std::vector<RnTreeChildren> children;
  std::vector<SubtreeSummary> subtree;
  std::set<std::uint32_t> dead;

  StaticTree(std::uint32_t n, std::uint64_t seed) : parent(n), caps(n), queue(n), children(n), subtree(n) {
    Rng rng(seed);
    for (std::uint32_t i = 0; i < n; ++i) {
      parent[i] = i == 0 ? PeerId::none() : PeerId{static_cast<std::uint32_t>(rng.below(i))};
      caps[i] = {static_cast<std::uint32_t>(500 + rng.below(3500)), static_cast<std::uint32_t>(512 + rng.below(16000)),
                 static_cast<std::uint32_t>(10 + rng.below(990))};
      queue[i] = static_cast<std::uint32_t>(rng.below(5));
    }
    // Bottom-up: children have higher indices than their parents.
    for (std::uint32_t i = n; i-- > 0;) {
      subtree[i] = children[i].aggregate(caps[i], queue[i]);
      if (parent[i].valid()) children[parent[i].value].heard(PeerId{i}, subtree[i], Time{0});
    }
  }

  [[nodiscard]] bool in_subtree(std::uint32_t node, std::uint32_t root) const {
    for (PeerId p{node}; p.valid(); p = parent[p.value]) {
      if (p.value == root) return true;
    }
    return false;
  }
};

struct Outcome {
  std::vector<Candidate> candidates;
  std::vector<PeerId> asked;
  PeerId winner;
  bool exhausted = false;
};

Outcome run_search(const StaticTree& t, std::uint32_t origin, const grid::Resources& req, std::uint32_t k,
                   std::uint32_t max_visits = 1U << 20) {
  RnTreeSearch s;
  s.begin(req, k, max_visits);
  std::array<ChildRef, 64> buffer{};
  const auto report = [&](std::uint32_t node, PeerId exclude) {
    const std::size_t n = t.children[node].capable(req, exclude, buffer);
    return NodeReport{PeerId{node}, t.caps[node], t.queue[node], t.parent[node], {buffer.data(), n}};
  };
  Outcome out;
  RnTreeSearch::Step step = s.start(report(origin, PeerId::none()));
  while (!step.done()) {
    out.asked.push_back(step.ask);
    step = t.dead.contains(step.ask.value) ? s.on_timeout() : s.on_report(report(step.ask.value, step.exclude));
  }
  out.candidates.assign(s.candidates().begin(), s.candidates().end());
  out.winner = s.winner();
  out.exhausted = s.exhausted();
  EXPECT_EQ(s.visits(), out.asked.size());
  return out;
}

TEST(RnTreeSearch, LeastLoadedPicksShortestQueueThenLowerId) {
  const std::vector<Candidate> c{{PeerId{9}, 2}, {PeerId{4}, 1}, {PeerId{7}, 1}, {PeerId{2}, 3}};
  EXPECT_EQ(least_loaded(c), PeerId{4});
  EXPECT_EQ(least_loaded({}), PeerId::none());
}

TEST(RnTreeSearch, ExhaustiveSearchFindsExactlyTheCapableNodes) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    const StaticTree t(300, seed);
    Rng rng(seed * 7);
    const grid::Resources req{static_cast<std::uint32_t>(500 + rng.below(3500)), 0,
                              static_cast<std::uint32_t>(rng.below(1000))};
    const auto origin = static_cast<std::uint32_t>(rng.below(300));
    const Outcome o = run_search(t, origin, req, 1000);  // k above N: search everything
    std::set<std::uint32_t> expected;
    std::uint32_t best = 0;
    bool any = false;
    for (std::uint32_t i = 0; i < 300; ++i) {
      if (!grid::satisfies(t.caps[i], req)) continue;
      expected.insert(i);
      if (!any || t.queue[i] < t.queue[best]) best = i;  // ascending ids: first of the shortest
      any = true;
    }
    std::set<std::uint32_t> found;
    for (const Candidate& c : o.candidates) found.insert(c.peer.value);
    EXPECT_EQ(found, expected) << "seed " << seed;
    EXPECT_EQ(o.candidates.size(), expected.size()) << "no duplicates";
    EXPECT_TRUE(o.exhausted);
    EXPECT_EQ(o.winner, any ? PeerId{best} : PeerId::none());
    // Pruning: every node asked either lies on the climb (an ancestor of
    // the origin) or roots a subtree whose maxima admit the job.
    for (const PeerId p : o.asked) {
      EXPECT_TRUE(t.in_subtree(origin, p.value) || grid::satisfies(t.subtree[p.value].max, req))
          << "asked pruned node " << p.value;
    }
    // Each node is asked at most once.
    std::set<PeerId> asked(o.asked.begin(), o.asked.end());
    EXPECT_EQ(asked.size(), o.asked.size());
    EXPECT_FALSE(asked.contains(PeerId{origin})) << "the origin answers itself without a message";
  }
}

TEST(RnTreeSearch, OwnSubtreeFirstThenAncestorsUntilK) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const StaticTree t(400, seed);
    Rng rng(seed * 13);
    const grid::Resources req{static_cast<std::uint32_t>(500 + rng.below(2000)), 0, 0};
    const auto origin = static_cast<std::uint32_t>(rng.below(400));
    const std::uint32_t k = 1 + static_cast<std::uint32_t>(rng.below(6));
    const Outcome o = run_search(t, origin, req, k);
    std::uint32_t capable_total = 0, capable_own = 0;
    for (std::uint32_t i = 0; i < 400; ++i) {
      if (!grid::satisfies(t.caps[i], req)) continue;
      ++capable_total;
      if (t.in_subtree(i, origin)) ++capable_own;
    }
    EXPECT_EQ(o.candidates.size(), std::min(k, capable_total)) << "seed " << seed;
    for (const Candidate& c : o.candidates) {
      EXPECT_TRUE(grid::satisfies(t.caps[c.peer.value], req));
      EXPECT_EQ(c.queue, t.queue[c.peer.value]);
    }
    // The owner's subtree is searched before anything above it.
    const std::uint32_t from_own = static_cast<std::uint32_t>(std::count_if(
        o.candidates.begin(), o.candidates.end(), [&](const Candidate& c) { return t.in_subtree(c.peer.value, origin); }));
    EXPECT_EQ(from_own, std::min(k, capable_own)) << "seed " << seed;
    EXPECT_EQ(o.winner, least_loaded(o.candidates));
  }
}

TEST(RnTreeSearch, DeadNodeCostsItsSubtreeAndDeadAncestorEndsTheClimb) {
  const StaticTree base(200, 5);
  const grid::Resources req{0, 0, 0};  // everyone qualifies: the search is a plain DFS
  // Pick an origin two levels below the root and kill its parent.
  std::uint32_t origin = 0;
  for (std::uint32_t i = 1; i < 200; ++i) {
    if (base.parent[i].valid() && base.parent[base.parent[i].value].valid()) {
      origin = i;
      break;
    }
  }
  ASSERT_NE(origin, 0U);
  StaticTree t = base;
  t.dead.insert(base.parent[origin].value);
  const Outcome o = run_search(t, origin, req, 1000);
  std::uint32_t own = 0;
  for (std::uint32_t i = 0; i < 200; ++i) own += t.in_subtree(i, origin) ? 1 : 0;
  EXPECT_EQ(o.candidates.size(), own) << "only the origin's own subtree: the climb stopped at the dead parent";
  EXPECT_EQ(o.asked.back(), base.parent[origin]);
  EXPECT_TRUE(o.exhausted);
}

TEST(RnTreeSearch, VisitBudgetBoundsTheSearch) {
  const StaticTree t(500, 3);
  const grid::Resources req{3900, 16000, 990};  // almost nobody qualifies
  const Outcome o = run_search(t, 250, req, 4, 5);
  EXPECT_LE(o.asked.size(), 5U);
}

// The budget a job's round gets (docs/rntree.md): max_visits, times
// visit_growth per earlier round, saturating at kMaxVisitBudget.
TEST(RnTreeVisitBudget, GrowsGeometricallyPerRoundAndSaturates) {
  RnTreeParams p;
  p.max_visits = 256;
  p.visit_growth = 2;
  EXPECT_EQ(p.visit_budget(0), 256U);
  EXPECT_EQ(p.visit_budget(1), 512U);
  EXPECT_EQ(p.visit_budget(5), 8192U);
  EXPECT_EQ(p.visit_budget(15), 8'388'608U);
  EXPECT_EQ(p.visit_budget(16), RnTreeParams::kMaxVisitBudget);
  EXPECT_EQ(p.visit_budget(4'000'000'000U), RnTreeParams::kMaxVisitBudget);
  p.visit_growth = 1;
  EXPECT_EQ(p.visit_budget(0), 256U);
  EXPECT_EQ(p.visit_budget(1000), 256U);
  p.max_visits = 10'000'000;
  p.visit_growth = 16;
  EXPECT_EQ(p.visit_budget(3), RnTreeParams::kMaxVisitBudget);
}

}  // namespace
}  // namespace p2pgrid::match
