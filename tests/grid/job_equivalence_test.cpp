// The jobs table is identical on 1, 2 and 4 ranks (split from one launch),
// with crashes, restarts, message loss and a partition on.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kScenario = R"(
[run]
protocol = "grid"
seed = 21
duration = "40min"
[peers]
count = 300
[network]
min_latency = "50ms"
max_latency = "150ms"
loss = 0.005
[[network.partitions]]
start = "10min"
end = "12min"
split = 0.3
[chord]
bootstrap = "oracle"
[workload]
jobs = 1500
clients = 6
interarrival = "200ms"
run_time = "100s"
constrained = 0.8
jobs_mix = "clustered"
[match]
kind = "central"
server = 1
[[faults]]
at = "3min"
fraction = 0.3
restart_after = "5min"
)";

TEST(JobEquivalence, SameJobTableOnOneTwoAndFourRanks) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(kScenario);
  const std::vector<const TableDesc*> tables{&JobRecord::kTable, &grid::SubmissionRecord::kTable, &FaultRecord::kTable};
  std::vector<std::string> results;
  for (const int n : {1, 2, 4}) {
    if (n > world.size()) break;
    const auto comm = test::first_ranks(world, n);
    if (world.rank() < n) {
      const std::string canon = test::run_canonical(comm, scenario, tables);
      if (world.rank() == 0) results.push_back(canon);
    }
    world.barrier();
  }
  if (world.rank() != 0) return;
  ASSERT_FALSE(results.empty());
  EXPECT_GT(std::count(results[0].begin(), results[0].end(), '\n'), 3000);
  EXPECT_NE(results[0].find("recoveries=1"), std::string::npos) << "faults touched running jobs";
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_TRUE(results[i] == results[0]) << "rank count " << (1 << i) << " gives a different job table";
  }
}

}  // namespace
}  // namespace p2pgrid
