// Every job ends under message loss (2%, 10%, 20% of all messages,
// overlay, job layer and matchmaker alike), for every matchmaker: the
// invariant holds once the run has lasted past its deadlines, no peer
// still holds job state (so the grid's own traffic has stopped: nothing
// retries for ever), and the duplicate runs per completed job are printed
// for the closing table in docs/grid.md.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <string>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

struct LossCase {
  const char* kind;
  double loss;
};

class EveryJobEndsUnderLoss : public ::testing::TestWithParam<LossCase> {};

std::string scenario(const LossCase& c) {
  const std::string kind = c.kind;
  const bool can = kind == "can" || kind == "can-push";
  return R"(
[run]
protocol = "grid"
duration = "75min"
seed = 17
[peers]
count = 120
[network]
loss = )" + std::to_string(c.loss) + R"(
[workload]
jobs = 200
clients = 4
interarrival = "1s"
run_time = "60s"
constrained = 0.8
start = "60s"
[grid]
record_delay = "5min"
forget_after = "10min"
[match]
kind = ")" + kind + R"("
deadline = "10min"
)" + (can ? "[can]\nbootstrap = \"oracle\"\nupdate_period = \"5s\"\ndead_after = \"15s\"\n"
          : "[chord]\nbootstrap = \"oracle\"\nstabilize = \"10s\"\n");
}

TEST_P(EveryJobEndsUnderLoss, InvariantHoldsAndTheGridFallsSilent) {
  const boost::mpi::communicator world;
  const LossCase c = GetParam();
  const MemoryTraceSink sink = test::run_gathered(
      world, test::scenario_from_text(scenario(c)),
      {&JobRecord::kTable, &grid::SubmissionRecord::kTable, &grid::HeldRecord::kTable});
  if (world.rank() != 0) return;
  const test::JobOutcomes o = test::expect_every_job_final(
      sink.rows<JobRecord>(), sink.rows<grid::SubmissionRecord>(), sink.rows<grid::HeldRecord>(),
      [](PeerId p) { return can::capabilities_of(can::CapabilityModel{}, 17, p).value; });
  EXPECT_EQ(o.submitted, 200U);
  std::printf("loss %s %.2f: %zu completed, %zu unmatchable, %zu match_deadline, %zu client_gave_up; "
              "%zu resubmissions, %zu duplicate runs (%.3f per completed job)\n",
              c.kind, c.loss, o.completed, o.unmatchable, o.match_deadline, o.client_gave_up, o.resubmissions,
              o.duplicate_runs, o.completed > 0 ? static_cast<double>(o.duplicate_runs) / static_cast<double>(o.completed) : 0.0);
}

INSTANTIATE_TEST_SUITE_P(
    Matchmakers, EveryJobEndsUnderLoss,
    ::testing::Values(LossCase{"central", 0.02}, LossCase{"central", 0.1}, LossCase{"central", 0.2},
                      LossCase{"rntree", 0.02}, LossCase{"rntree", 0.1}, LossCase{"rntree", 0.2},
                      LossCase{"can", 0.02}, LossCase{"can", 0.1}, LossCase{"can", 0.2},
                      LossCase{"can-push", 0.02}, LossCase{"can-push", 0.1}, LossCase{"can-push", 0.2}),
    [](const auto& p) {
      std::string name = p.param.kind;
      std::erase(name, '-');
      return name + "_" + std::to_string(static_cast<int>(p.param.loss * 100 + 0.5)) + "pct";
    });

}  // namespace
}  // namespace p2pgrid
