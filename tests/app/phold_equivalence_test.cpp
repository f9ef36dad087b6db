// The determinism contract on the engine-exercise protocol: a PHOLD run with
// crashes, restarts, message loss and a partition gives the same per-peer
// digests of every message processed on 1, 2 and 4 ranks (split from one
// MPI launch), and on a repeated run; a different seed gives different ones.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>

#include "p2pgrid/sim/fault_plan.hpp"
#include "p2pgrid/workload/phold.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kScenario = R"(
[run]
protocol = "phold"
duration = "20s"
[peers]
count = 400
[network]
loss = 0.02
[[network.partitions]]
start = "8s"
end = "10s"
split = 0.4
[phold]
initial = 3
think = "20ms"
[[faults]]
at = "5s"
fraction = 0.1
restart_after = "5s"
[[faults]]
at = "12s"
action = "leave"
peers = [1, 2, 3]
)";

const std::vector<const TableDesc*> kTables{&phold::PholdRecord::kTable, &FaultRecord::kTable};

TEST(PholdEquivalence, SameDigestsOnOneTwoAndFourRanks) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(kScenario, {"run.seed=11"});
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
  if (world.rank() != 0) return;
  ASSERT_FALSE(results.empty());
  // Faults really happened and most peers processed messages.
  EXPECT_NE(results[0].find("action=1"), std::string::npos);
  EXPECT_NE(results[0].find("action=3"), std::string::npos);
  EXPECT_GT(std::count(results[0].begin(), results[0].end(), '\n'), 400);
  for (std::size_t i = 1; i < results.size(); ++i) {
    EXPECT_EQ(results[i], results[0]) << "rank count " << (1 << i) << " differs from 1 rank";
  }
}

// Every pair 10 ms apart and no hold: arrivals tie constantly, so only a
// placement-independent tie-break keeps the digests equal.
TEST(PholdEquivalence, SameDigestsWhenEveryArrivalTies) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(
      kScenario, {"network.max_latency=10ms", "network.bandwidth=0", "phold.think=0s", "network.loss=0"});
  const std::string mine = test::run_canonical(world, scenario, kTables);
  const auto solo = test::first_ranks(world, 1);
  std::string reference;
  if (world.rank() == 0) reference = test::run_canonical(solo, scenario, kTables);
  if (world.rank() == 0) {
    EXPECT_EQ(mine, reference);
  }
}

TEST(PholdEquivalence, RepeatedRunsAgreeAndSeedsDiffer) {
  const boost::mpi::communicator world;
  const std::string a = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=11"}), kTables);
  const std::string b = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=11"}), kTables);
  const std::string c = test::run_canonical(world, test::scenario_from_text(kScenario, {"run.seed=12"}), kTables);
  if (world.rank() != 0) return;
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(PholdEquivalence, EveryPlacementGivesTheSameDigests) {
  const boost::mpi::communicator world;
  const std::string block =
      test::run_canonical(world, test::scenario_from_text(kScenario, {"run.partition=block"}), kTables);
  const std::string dealt =
      test::run_canonical(world, test::scenario_from_text(kScenario, {"run.partition=round_robin"}), kTables);
  const std::string arcs =
      test::run_canonical(world, test::scenario_from_text(kScenario, {"run.partition=ring"}), kTables);
  if (world.rank() == 0) {
    EXPECT_EQ(block, dealt);
    EXPECT_EQ(block, arcs);
  }
}

}  // namespace
}  // namespace p2pgrid
