// The RN-Tree search budget through the real harness (one rank: this is
// about the protocol's outcome; rntree_grid_test covers rank counts): a job
// that some node can run is placed even when a search of max_visits nodes
// cannot reach that node, because each later round asks visit_growth times
// as many; a job no node can run ends unmatchable once a round covers the
// tree. The control, a fixed budget (visit_growth = 1), strands jobs that
// a node could run until their deadline, and the messages those rounds
// cost reach the job's row.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

// Every job constrains all three resources to a random node's values, so a
// few nodes (often one) can run it; a search may ask only 2 nodes at first.
constexpr const char* kBudgetScenario = R"(
[run]
protocol = "grid"
duration = "60min"
seed = 5
[chord]
bootstrap = "oracle"
stabilize = "5s"
fix_fingers = "5s"
[workload]
jobs = 60
clients = 3
interarrival = "5s"
run_time = "30s"
constrained = 1.0
requirement_model = "node_value"
start = "5min"
[grid]
record_delay = "5min"
forget_after = "10min"
[match]
kind = "rntree"
k = 1
max_visits = 2
deadline = "10min"
)";

struct BudgetRun {
  std::vector<JobRecord> jobs;
  std::vector<grid::SubmissionRecord> submissions;
  std::vector<grid::HeldRecord> held;
};

constexpr std::uint32_t kPeers = 300;

BudgetRun run_budget(std::uint32_t growth) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(
      kBudgetScenario, {"peers.count=" + std::to_string(kPeers), "match.visit_growth=" + std::to_string(growth)});
  const MemoryTraceSink sink = test::run_gathered(
      world, scenario, {&JobRecord::kTable, &grid::SubmissionRecord::kTable, &grid::HeldRecord::kTable});
  return {sink.rows<JobRecord>(), sink.rows<grid::SubmissionRecord>(), sink.rows<grid::HeldRecord>()};
}

TEST(RnTreeBudget, LaterRoundsSearchWiderUntilACapableNodeIsFound) {
  const boost::mpi::communicator world;
  const BudgetRun growing = run_budget(2);
  const BudgetRun fixed = run_budget(1);
  if (world.rank() != 0) return;
  const can::CapabilityModel model;
  const auto caps_of = [&](PeerId p) { return can::capabilities_of(model, 5, p).value; };
  const auto capable_nodes = [&](const JobRecord& j) {
    const grid::Resources req{static_cast<std::uint32_t>(j.min_cpu), static_cast<std::uint32_t>(j.min_memory),
                              static_cast<std::uint32_t>(j.min_disk)};
    std::size_t n = 0;
    for (std::uint32_t p = 0; p < kPeers; ++p) n += grid::satisfies(caps_of(PeerId{p}), req) ? 1 : 0;
    return n;
  };

  const test::JobOutcomes g = test::expect_every_job_final(growing.jobs, growing.submissions, growing.held, caps_of);
  ASSERT_EQ(g.submitted, 60U);
  std::size_t rare = 0;
  for (const JobRecord& j : growing.jobs) {
    const std::size_t n = capable_nodes(j);
    rare += n > 0 && n <= 3 ? 1 : 0;
    // A job with a capable node completes; one without is found unmatchable
    // (a covered search), never left to its deadline.
    if (n > 0) {
      EXPECT_EQ(j.status, static_cast<std::uint32_t>(JobStatus::kCompleted)) << "job " << j.job << ": " << n
                                                                            << " capable nodes";
    } else {
      EXPECT_EQ(j.reason, static_cast<std::uint32_t>(JobFailure::kUnmatchable)) << "job " << j.job;
    }
  }
  EXPECT_GE(rare, 5U) << "the workload has jobs only a few nodes can run";

  // The control: the same jobs with a fixed budget of 2 visits per round.
  // Those whose capable nodes lie beyond it fail at their deadline.
  const test::JobOutcomes f = test::expect_every_job_final(fixed.jobs, fixed.submissions, fixed.held, caps_of);
  std::size_t stranded = 0;
  for (const JobRecord& j : fixed.jobs) {
    if (j.reason != static_cast<std::uint32_t>(JobFailure::kMatchDeadline)) continue;
    stranded += capable_nodes(j) > 0 ? 1 : 0;
    // Its owner's rounds cost messages, and the client records them (Failed
    // carries them): at least a question and an answer per round.
    EXPECT_GE(j.match_messages, 2U) << "job " << j.job;
  }
  EXPECT_GT(stranded, 0U) << "a fixed budget strands jobs that some node could run";
  EXPECT_GT(f.match_deadline, g.match_deadline);
}

}  // namespace
}  // namespace p2pgrid
