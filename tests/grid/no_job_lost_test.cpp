// The paper's workload (1,000 peers, 10,000 jobs) while 30% of the peers
// crash: every submitted job ends in the trace exactly once, completed or
// failed with a reason; every completed job ran on a node that satisfies
// all of its constraints; the crashes really did force recoveries.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <map>
#include <set>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

TEST(NoJobLost, PaperWorkloadWithThirtyPercentCrashes) {
  const boost::mpi::communicator world;
  const Scenario s = Scenario::load(std::string(P2PGRID_SOURCE_DIR) + "/configs/grid-paper-faults.toml", {});
  const MemoryTraceSink sink = test::run_gathered(
      world, s, {&JobRecord::kTable, &grid::SubmissionRecord::kTable, &FaultRecord::kTable});
  if (world.rank() != 0) return;

  const auto jobs = sink.rows<JobRecord>();
  const auto submissions = sink.rows<grid::SubmissionRecord>();
  std::set<std::uint64_t> submitted;
  for (const auto& sub : submissions) submitted.insert(sub.job);
  ASSERT_EQ(submitted.size(), 10000U);

  std::map<std::uint64_t, int> rows_per_job;
  std::size_t completed = 0, failed = 0, open = 0, recovered = 0;
  can::CapabilityModel model;  // the [nodes] defaults: mixed
  for (const JobRecord& j : jobs) {
    ++rows_per_job[j.job];
    switch (static_cast<JobStatus>(j.status)) {
      case JobStatus::kCompleted: {
        ++completed;
        EXPECT_EQ(j.reason, 0U);
        ASSERT_NE(j.run_node, PeerId::none().value);
        EXPECT_LE(j.submit_ns, j.matched_ns);
        EXPECT_LE(j.matched_ns, j.started_ns);
        EXPECT_LE(j.started_ns + j.run_time_ns, j.finished_ns);
        const auto caps = can::capabilities_of(model, s.seed, PeerId{j.run_node}).value;
        EXPECT_TRUE(grid::satisfies(caps, {static_cast<std::uint32_t>(j.min_cpu), static_cast<std::uint32_t>(j.min_memory),
                                           static_cast<std::uint32_t>(j.min_disk)}))
            << "job " << j.job << " ran on peer " << j.run_node << " which cannot satisfy it";
        break;
      }
      case JobStatus::kFailed:
        ++failed;
        EXPECT_NE(j.reason, 0U) << "a failure without a reason";
        break;
      case JobStatus::kOpenAtEnd:
        ++open;
        EXPECT_EQ(j.reason, static_cast<std::uint32_t>(JobFailure::kRunEnded));
        break;
    }
    recovered += j.recoveries > 0 || j.resubmissions > 0 ? 1 : 0;
  }
  // Exactly one final row (one accepted result, or one failure) per job.
  EXPECT_EQ(rows_per_job.size(), submitted.size());
  for (const auto& [job, rows] : rows_per_job) {
    EXPECT_EQ(rows, 1) << "job " << job;
    EXPECT_TRUE(submitted.contains(job));
  }
  EXPECT_EQ(completed + failed + open, submitted.size());
  EXPECT_EQ(open, 0U) << "3 hours is ample for this workload";
  std::size_t crashes = 0;
  for (const FaultRecord& f : sink.rows<FaultRecord>()) crashes += f.action == FaultRecord::kCrash ? 1 : 0;
  EXPECT_GE(crashes, 290U) << "30% of 1,000 peers, minus exempt clients";
  EXPECT_GT(recovered, 0U) << "the crashes hit running jobs and they were recovered";
  std::printf("no-job-lost: %zu completed, %zu failed, %zu open, %zu recovered, %zu crashes\n", completed, failed,
              open, recovered, crashes);
}

}  // namespace
}  // namespace p2pgrid
