// The lookups, chord_joins and final chord_snapshot tables are identical on
// 1, 2 and 4 ranks (and on a repeated run), for a scenario that exercises
// joins, crashes, graceful leaves, rejoins, churn and cross-rank traffic,
// also with SimGrid's join waves and recursive lookups.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

#include "p2pgrid/overlay/chord/records.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid::chord {
namespace {

const std::string kScenario = R"(
[run]
protocol = "chord"
seed = 23
duration = "70s"

[peers]
count = 400

[chord]
join_interval = "20ms"
stabilize = "1s"
fix_fingers = "500ms"
check_predecessor = "1s"
probe_rate = 40
probe_start = "5s"

[churn]
model = "pareto"
start = "20s"
session_mean = "120s"
session_shape = 2.5
down_mean = "15s"
down_shape = 2.5
leave_probability = 0.3

[[faults]]
at = "30s"
action = "crash"
fraction = 0.1
restart_after = "10s"
)";

void expect_same_on_every_rank_count(const std::vector<std::string>& overrides) {
  const boost::mpi::communicator world;
  const Scenario scenario = p2pgrid::test::scenario_from_text(kScenario, overrides);
  const std::vector<const TableDesc*> tables{&LookupRecord::kTable, &SnapshotRecord::kTable, &JoinRecord::kTable};
  std::vector<std::string> texts;
  for (const int n : {1, 1, 2, 4}) {
    if (n > world.size()) continue;
    const boost::mpi::communicator sub = p2pgrid::test::first_ranks(world, n);
    std::string text;
    if (world.rank() < n) text = p2pgrid::test::run_canonical(sub, scenario, tables);
    world.barrier();
    if (world.rank() == 0) texts.push_back(text);
  }
  if (world.rank() != 0) return;
  ASSERT_GE(texts.size(), 2U);
  // The scenario must actually do something worth comparing.
  EXPECT_GT(texts[0].size(), 100000U);
  EXPECT_NE(texts[0].find("outcome=1"), std::string::npos) << "churn should make some lookups fail";
  for (std::size_t i = 1; i < texts.size(); ++i) {
    EXPECT_TRUE(texts[i] == texts[0]) << "run " << i << " differs from the first 1-rank run";
  }
}

TEST(ChordEquivalence, BlockPartition) { expect_same_on_every_rank_count({}); }

TEST(ChordEquivalence, RoundRobinPartition) { expect_same_on_every_rank_count({"run.partition=\"round_robin\""}); }

TEST(ChordEquivalence, SimGridWavesRecursiveLookupsFingerKeys) {
  // The last of 400 peers starts in wave 9, at 180-190 s.
  expect_same_on_every_rank_count({"run.partition=\"round_robin\"", "run.duration=\"220s\"",
                                   "chord.join_schedule=\"simgrid-waves\"", "chord.lookups=\"recursive\"",
                                   "chord.probe_keys=\"finger\""});
}

}  // namespace
}  // namespace p2pgrid::chord
