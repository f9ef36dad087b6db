// Determinism of the CAN stack: the same zones, probes and faults on 1, 2
// and 4 ranks (split from one MPI launch) with joins, crashes, leaves,
// restarts and message loss; also with the oracle bootstrap.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>

#include "p2pgrid/overlay/can/probe_record.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kScenario = R"(
[run]
protocol = "can"
duration = "80s"
[peers]
count = 300
[network]
loss = 0.01
[can]
bootstrap = "join"
join_interval = "100ms"
[can.probe]
interval = "5s"
start = "20s"
[[faults]]
at = "40s"
fraction = 0.1
restart_after = "15s"
[[faults]]
at = "45s"
action = "leave"
peers = [5, 6, 7]
)";

const std::vector<const TableDesc*> kTables{&can::ZoneRecord::kTable, &can::ProbeRecord::kTable,
                                            &FaultRecord::kTable};

std::vector<std::string> across_rank_counts(const Scenario& scenario) {
  const boost::mpi::communicator world;
  std::vector<std::string> results;
  for (const int n : {1, 2, 4}) {
    if (n > world.size()) break;
    const auto comm = test::first_ranks(world, n);
    if (world.rank() < n) {
      const std::string canon = test::run_canonical(comm, scenario, kTables);
      if (world.rank() == 0) results.push_back(canon);
    }
    world.barrier();
  }
  return results;
}

TEST(CanEquivalence, JoinsCrashesAndLeavesGiveTheSameTraceOnOneTwoAndFourRanks) {
  const auto results = across_rank_counts(test::scenario_from_text(kScenario));
  const boost::mpi::communicator world;
  if (world.rank() != 0) return;
  ASSERT_FALSE(results.empty());
  EXPECT_GT(std::count(results[0].begin(), results[0].end(), '\n'), 1000);
  EXPECT_NE(results[0].find("action=1"), std::string::npos);
  EXPECT_NE(results[0].find("action=3"), std::string::npos);
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i], results[0]) << "rank count " << (1 << i) << " differs from 1 rank";
  }
}

TEST(CanEquivalence, OracleBootstrapGivesTheSameTraceOnOneTwoAndFourRanks) {
  const auto results = across_rank_counts(
      test::scenario_from_text(kScenario, {"can.bootstrap=oracle", "run.partition=round_robin"}));
  const boost::mpi::communicator world;
  if (world.rank() != 0) return;
  ASSERT_FALSE(results.empty());
  for (std::size_t i = 1; i < results.size(); ++i) EXPECT_EQ(results[i], results[0]);
}

TEST(CanEquivalence, RepeatedRunsAgreeAndSeedsDiffer) {
  const boost::mpi::communicator world;
  const auto a = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=3"}), kTables);
  const auto b = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=3"}), kTables);
  const auto c = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=4"}), kTables);
  if (world.rank() != 0) return;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace p2pgrid
