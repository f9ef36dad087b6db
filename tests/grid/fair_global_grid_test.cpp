// grid.queue = fair_global through the real harness: a heavy user's sweep
// fills every node's queue, light users submit a few jobs each meanwhile.
// From the trace, on every run node: no job of the heavy user started while
// a light user's job was waiting there (the light job overtakes the heavy
// backlog wherever it lands), every job is final, and the tables are
// identical on 1, 2 and 4 ranks. The same check finds light jobs that
// waited behind the heavy backlog under FIFO, so it can fail.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <iostream>
#include <map>
#include <string>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

const std::vector<const TableDesc*> kTables{&JobRecord::kTable, &grid::SubmissionRecord::kTable,
                                            &grid::HeldRecord::kTable};

// 40 nodes; 300 heavy jobs of 1-3 min from t = 60 s (about 15 min of work
// for every node); 8 light users with 2 jobs each within 10 min. The heavy
// user weighs 2 (its usage counts half), which the light users' few
// minutes still never reach.
std::string scenario_text(const std::string& queue) {
  return R"(
[run]
protocol = "grid"
duration = "30min"
seed = 17
[peers]
count = 40
[chord]
bootstrap = "oracle"
[grid]
queue = ")" + queue + R"("
fair_half_life = "1h"
record_delay = "2min"
forget_after = "5min"
[match]
kind = "central"
server = 1
[workload]
users = "sweeps"
clients = 3
heavy_users = 1
heavy_jobs = 300
heavy_spacing = "100ms"
heavy_weight = 2
light_users = 8
light_jobs = 2
light_window = "10min"
run_time = "2min"
constrained = 0.2
start = "60s"
)";
}

struct Rows {
  std::vector<JobRecord> jobs;
  std::vector<grid::SubmissionRecord> submissions;
  std::vector<grid::HeldRecord> held;
};

Rows run_on(const boost::mpi::communicator& world, const Scenario& scenario, const std::vector<int>& rank_counts) {
  Rows first;
  std::vector<std::string> canon;
  for (const int n : rank_counts) {
    if (n > world.size()) continue;
    const auto comm = test::first_ranks(world, n);
    if (world.rank() < n) {
      MemoryTraceSink sink = test::run_gathered(comm, scenario, kTables);
      if (world.rank() == 0) {
        std::string text;
        for (const TableDesc* t : kTables) text += canonical_text(*t, sink.bytes(*t));
        canon.push_back(text);
        if (canon.size() == 1) {
          first.jobs = sink.rows<JobRecord>();
          first.submissions = sink.rows<grid::SubmissionRecord>();
          first.held = sink.rows<grid::HeldRecord>();
        }
      }
    }
    world.barrier();
  }
  if (world.rank() == 0) {
    for (std::size_t i = 1; i < canon.size(); ++i) EXPECT_TRUE(canon[i] == canon[0]) << "rank count #" << i << " differs";
  }
  return first;
}

struct Overtaking {
  std::size_t light_jobs = 0;   ///< completed light jobs
  std::size_t waited = 0;       ///< of which started later than 1 s after their match
  std::size_t passed_over = 0;  ///< light jobs a heavy job started ahead of, at their node
};

/// For every completed light job: did a heavy job start at its run node
/// after the light job was there (1 s after its match: the Assign's way)
/// and before the light job started?
Overtaking count_overtaking(const std::vector<JobRecord>& jobs) {
  constexpr std::int64_t kAssignSlack = 1'000'000'000;
  std::map<std::uint32_t, std::vector<const JobRecord*>> by_node;
  for (const JobRecord& j : jobs) {
    if (j.status == static_cast<std::uint32_t>(JobStatus::kCompleted)) by_node[j.run_node].push_back(&j);
  }
  Overtaking o;
  for (const auto& [node, list] : by_node) {
    for (const JobRecord* light : list) {
      if (light->user == 0) continue;
      ++o.light_jobs;
      if (light->started_ns > light->matched_ns + kAssignSlack) ++o.waited;
      const bool passed = std::any_of(list.begin(), list.end(), [&](const JobRecord* h) {
        return h->user == 0 && h->started_ns > light->matched_ns + kAssignSlack && h->started_ns < light->started_ns;
      });
      if (passed) ++o.passed_over;
    }
  }
  return o;
}

std::function<grid::Resources(PeerId)> node_capabilities(std::uint64_t seed) {
  return [seed](PeerId p) { return can::capabilities_of(can::CapabilityModel{}, seed, p).value; };
}

TEST(FairGlobalGrid, LightJobsOvertakeTheHeavyBacklogOnEveryNode) {
  const boost::mpi::communicator world;
  const Rows global = run_on(world, test::scenario_from_text(scenario_text("fair_global")), {1, 2, 4});
  const Rows fifo = run_on(world, test::scenario_from_text(scenario_text("fifo")), {1});
  if (world.rank() != 0) return;
  for (const Rows* run : {&global, &fifo}) {
    const test::JobOutcomes o = test::expect_every_job_final(run->jobs, run->submissions, run->held, node_capabilities(17));
    EXPECT_EQ(o.completed, run->jobs.size()) << "every job completes: no faults, no impossible job";
  }
  const Overtaking g = count_overtaking(global.jobs);
  const Overtaking f = count_overtaking(fifo.jobs);
  std::cout << "fair_global: " << g.light_jobs << " light jobs, " << g.waited << " waited, " << g.passed_over
            << " passed over by a heavy job; fifo: " << f.light_jobs << ", " << f.waited << ", " << f.passed_over << "\n";
  ASSERT_EQ(g.light_jobs, 16U);
  EXPECT_GT(g.waited, 0U) << "some light jobs landed on busy nodes (else the check tests nothing)";
  EXPECT_EQ(g.passed_over, 0U);
  EXPECT_GT(f.passed_over, 0U) << "under FIFO light jobs wait behind the heavy backlog";
}

}  // namespace
}  // namespace p2pgrid
