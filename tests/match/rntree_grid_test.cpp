// The RN-Tree matchmaker through the real harness (Chord + job roles +
// RN-Tree on the sharded engine):
// - every job ends (completed on a node that satisfies all its
//   constraints, recomputed from the binding's own capability function, or
//   failed with a reason; none open, nothing held at the end);
// - the jobs, submissions and rntree_parents tables are identical on 1, 2
//   and 4 ranks and on a repeated run;
// - after 20% of the peers crash, the parents of the survivors again form a
//   single tree with no cycles, rooted at key 0's live predecessor, and each
//   peer's aggregated subtree size and maxima equal those computed
//   independently from the parent pointers and the peers' capabilities.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <map>
#include <set>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/match/rntree_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/chord/records.hpp"
#include "p2pgrid/overlay/chord/ring.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

using match::RnTreeParentRecord;

constexpr std::uint32_t kNone = 0xFFFFFFFFU;

// Heavily constrained jobs (the paper's 0.8) on mixed nodes, 10% of the
// peers crashing mid-run: matching must route around dead tree nodes.
constexpr const char* kJobsScenario = R"(
[run]
protocol = "grid"
duration = "60min"
seed = 21
[peers]
count = 200
[chord]
bootstrap = "oracle"
stabilize = "10s"
[workload]
jobs = 300
clients = 4
interarrival = "1s"
run_time = "100s"
constrained = 0.8
start = "90s"
[grid]
record_delay = "5min"
forget_after = "10min"
[match]
kind = "rntree"
k = 3
deadline = "5min"
[[faults]]
at = "3min"
fraction = 0.1
)";

// Only a few jobs: this one is about the tree. Short periods so the ring,
// the fingers and the summaries all settle well before the end.
constexpr const char* kTreeScenario = R"(
[run]
protocol = "grid"
duration = "25min"
seed = 8
[peers]
count = 300
[chord]
bootstrap = "oracle"
stabilize = "5s"
fix_fingers = "5s"
check_predecessor = "5s"
[workload]
jobs = 10
clients = 2
[match]
kind = "rntree"
)";

const std::vector<const TableDesc*> kEquivalenceTables{&JobRecord::kTable, &grid::SubmissionRecord::kTable,
                                                       &grid::HeldRecord::kTable, &RnTreeParentRecord::kTable,
                                                       &FaultRecord::kTable};

TEST(RnTreeGrid, ConstraintsHoldAndTablesMatchOnOneTwoAndFourRanks) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(kJobsScenario);
  std::vector<std::string> canon;
  std::vector<JobRecord> jobs;
  std::vector<grid::SubmissionRecord> submissions;
  std::vector<grid::HeldRecord> held;
  std::size_t tree_rows = 0, crashes = 0;
  for (const int n : {1, 2, 4, 1}) {
    if (n > world.size()) continue;
    const auto comm = test::first_ranks(world, n);
    if (world.rank() < n) {
      MemoryTraceSink sink = test::run_gathered(comm, scenario, kEquivalenceTables);
      if (world.rank() == 0) {
        std::string text;
        for (const TableDesc* t : kEquivalenceTables) text += canonical_text(*t, sink.bytes(*t));
        canon.push_back(text);
        if (canon.size() == 1) {
          jobs = sink.rows<JobRecord>();
          submissions = sink.rows<grid::SubmissionRecord>();
          held = sink.rows<grid::HeldRecord>();
          tree_rows = sink.rows<RnTreeParentRecord>().size();
          for (const FaultRecord& f : sink.rows<FaultRecord>()) crashes += f.action == FaultRecord::kCrash ? 1 : 0;
        }
      }
    }
    world.barrier();
  }
  if (world.rank() != 0) return;
  ASSERT_GE(canon.size(), 2U);
  for (std::size_t i = 1; i < canon.size(); ++i) EXPECT_TRUE(canon[i] == canon[0]) << "run " << i << " differs";

  // Constraint satisfaction, against the binding's capability function
  // ([nodes] defaults: mixed) recomputed here.
  ASSERT_EQ(jobs.size(), 300U) << "every submitted job has its row";
  const can::CapabilityModel model;
  std::size_t completed = 0, constrained = 0;
  for (const JobRecord& j : jobs) {
    if (j.status != static_cast<std::uint32_t>(JobStatus::kCompleted)) continue;
    ++completed;
    ASSERT_NE(j.run_node, kNone);
    const auto caps = can::capabilities_of(model, 21, PeerId{j.run_node}).value;
    const grid::Resources req{static_cast<std::uint32_t>(j.min_cpu), static_cast<std::uint32_t>(j.min_memory),
                              static_cast<std::uint32_t>(j.min_disk)};
    EXPECT_TRUE(grid::satisfies(caps, req))
        << "job " << j.job << " ran on " << j.run_node << " cpu " << caps[0] << "/" << req[0] << " mem " << caps[1]
        << "/" << req[1] << " disk " << caps[2] << "/" << req[2];
    constrained += (req[0] > 0 && req[1] > 0 && req[2] > 0) ? 1 : 0;
    EXPECT_GT(j.match_messages, 0U);
  }
  // Every job ends: completed on a capable node, or failed with a reason.
  const test::JobOutcomes o = test::expect_every_job_final(
      jobs, submissions, held, [&](PeerId p) { return can::capabilities_of(model, 21, p).value; });
  EXPECT_EQ(o.completed, completed);
  EXPECT_GE(constrained, 50U) << "the workload really was heavily constrained";
  EXPECT_GE(crashes, 15U) << "the faults happened (clients are exempt)";
  EXPECT_EQ(tree_rows, 200U - crashes) << "one row per live peer";
}

struct TreeRun {
  std::vector<RnTreeParentRecord> rows;
  std::vector<FaultRecord> faults;
};

TreeRun run_tree(const std::string& extra) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(std::string(kTreeScenario) + extra);
  const MemoryTraceSink sink = test::run_gathered(world, scenario, {&RnTreeParentRecord::kTable, &FaultRecord::kTable});
  return {sink.rows<RnTreeParentRecord>(), sink.rows<FaultRecord>()};
}

TEST(RnTreeGrid, ParentsFormOneTreeRebuiltAfterCrashes) {
  const boost::mpi::communicator world;
  const TreeRun before = run_tree("");
  const TreeRun after = run_tree("[[faults]]\nat = \"5min\"\nfraction = 0.2\n");
  if (world.rank() != 0) return;
  constexpr std::uint32_t kPeers = 300;
  constexpr std::uint64_t kSeed = 8;

  std::set<std::uint32_t> crashed;
  for (const FaultRecord& f : after.faults) {
    if (f.action == FaultRecord::kCrash) crashed.insert(f.peer);
  }
  ASSERT_EQ(crashed.size(), 60U);
  ASSERT_EQ(after.rows.size(), kPeers - crashed.size()) << "one row per live peer";
  ASSERT_EQ(before.rows.size(), kPeers);

  std::map<std::uint32_t, RnTreeParentRecord> row;
  for (const RnTreeParentRecord& r : after.rows) {
    EXPECT_FALSE(crashed.contains(r.peer));
    EXPECT_EQ(r.joined, 1U);
    row[r.peer] = r;
  }

  // The true root: the live peer whose live successor owns key 0, i.e. the
  // live peer with the largest ring id (the ring wraps at 0).
  const auto id = [](std::uint32_t p) { return ring_id_of(PeerId{p}, kSeed); };
  std::uint32_t true_root = row.begin()->first;
  for (const auto& [p, r] : row) {
    if (id(p) > id(true_root)) true_root = p;
  }

  // Shape: one root, live parents, strictly decreasing distance to the key
  // (so no cycle), every chain ends at the root.
  std::map<std::uint32_t, std::vector<std::uint32_t>> kids;
  for (const auto& [p, r] : row) {
    if (r.parent == kNone) {
      EXPECT_EQ(p, true_root) << "peer " << p << " is a second root";
      EXPECT_EQ(r.root, 1U);
      continue;
    }
    ASSERT_TRUE(row.contains(r.parent)) << "peer " << p << " has a dead parent " << r.parent;
    EXPECT_LT(chord::distance(id(r.parent), match::kRootKey), chord::distance(id(p), match::kRootKey));
    kids[r.parent].push_back(p);
  }
  for (const auto& [p, r] : row) {
    std::uint32_t at = p;
    for (std::size_t steps = 0; row.at(at).parent != kNone; ++steps) {
      ASSERT_LT(steps, row.size()) << "cycle through " << p;
      at = row.at(at).parent;
    }
    EXPECT_EQ(at, true_root);
  }

  // Aggregates: subtree size and maxima from the parent pointers and the
  // capability function, computed here independently.
  const can::CapabilityModel model;
  std::map<std::uint32_t, std::pair<std::uint32_t, grid::Resources>> expected;
  std::function<void(std::uint32_t)> fill = [&](std::uint32_t p) {
    std::uint32_t size = 1;
    grid::Resources max = can::capabilities_of(model, kSeed, PeerId{p}).value;
    for (const std::uint32_t c : kids[p]) {
      fill(c);
      size += expected[c].first;
      for (std::size_t i = 0; i < grid::kResources; ++i) max[i] = std::max(max[i], expected[c].second[i]);
    }
    expected[p] = {size, max};
  };
  fill(true_root);
  EXPECT_EQ(expected[true_root].first, row.size());
  for (const auto& [p, r] : row) {
    EXPECT_EQ(r.subtree_size, expected[p].first) << "peer " << p;
    EXPECT_EQ(r.children, kids[p].size()) << "peer " << p;
    EXPECT_EQ((grid::Resources{r.max_cpu, r.max_memory, r.max_disk}), expected[p].second) << "peer " << p;
  }

  // The crashes really cut the tree: some survivors lost their parent and
  // were re-attached.
  std::size_t orphaned = 0;
  for (const RnTreeParentRecord& r : before.rows) {
    if (!crashed.contains(r.peer) && r.parent != kNone && crashed.contains(r.parent)) ++orphaned;
  }
  EXPECT_GE(orphaned, 20U);
}

}  // namespace
}  // namespace p2pgrid
