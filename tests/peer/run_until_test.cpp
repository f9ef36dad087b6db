// grid.run_until = "jobs_final": the run stops at the first multiple of
// grid.final_check at which every job of the workload is completed or
// failed, whatever the rank count, and stopping there changes no job's row
// (the same scenario run to a long horizon writes the same jobs table).
// Crashes included; one matchmaker per overlay.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <string>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/sim/engine_stats.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

const std::vector<const TableDesc*> kJobs{&JobRecord::kTable, &grid::SubmissionRecord::kTable};

std::string scenario(const std::string& kind, bool crashes) {
  const bool can = kind == "can" || kind == "can-push";
  std::string text = R"(
[run]
protocol = "grid"
duration = "12h"
seed = 5
[peers]
count = 100
[workload]
jobs = 150
clients = 3
interarrival = "2s"
run_time = "120s"
constrained = 0.8
start = "30s"
[network]
# A longer lookahead: fewer windows to exchange on several ranks.
min_latency = "50ms"
max_latency = "150ms"
[match]
kind = ")" + kind + R"("
[grid]
run_until = "jobs_final"
final_check = "45s"
)";
  text += can ? "[can]\nbootstrap = \"oracle\"\nupdate_period = \"5s\"\ndead_after = \"15s\"\n"
              : "[chord]\nbootstrap = \"oracle\"\nstabilize = \"10s\"\n";
  if (crashes) text += "[[faults]]\nat = \"200s\"\nfraction = 0.1\nrestart_after = \"3min\"\n";
  return text;
}

struct Outcome {
  std::string jobs;  ///< canonical text of the jobs and submissions tables
  std::int64_t end_ns = 0;
  std::int64_t last_ended_ns = 0;
  std::size_t rows = 0;
  std::size_t open = 0;
};

Outcome run(const boost::mpi::communicator& comm, const Scenario& s) {
  std::vector<const TableDesc*> tables = kJobs;
  tables.push_back(&EngineStats::kTable);
  MemoryTraceSink sink = test::run_gathered(comm, s, tables);
  Outcome o;
  if (comm.rank() != 0) return o;
  for (const TableDesc* t : kJobs) o.jobs += canonical_text(*t, sink.bytes(*t));
  for (const EngineStats& e : sink.rows<EngineStats>()) o.end_ns = std::max(o.end_ns, e.sim_end_ns);
  for (const JobRecord& j : sink.rows<JobRecord>()) {
    ++o.rows;
    o.open += j.status == static_cast<std::uint32_t>(JobStatus::kOpenAtEnd) ? 1 : 0;
    o.last_ended_ns = std::max(o.last_ended_ns, j.ended_ns);
  }
  return o;
}

class RunUntilJobsFinal : public ::testing::TestWithParam<const char*> {};

TEST_P(RunUntilJobsFinal, StopsAtTheFirstCheckWithNoOpenJobOnEveryRankCount) {
  const boost::mpi::communicator world;
  for (const bool crashes : {true}) {
    const Scenario s = test::scenario_from_text(scenario(GetParam(), crashes));
    std::vector<Outcome> outcomes;
    for (const int n : {1, 2, 4}) {
      if (n > world.size()) continue;
      const auto comm = test::first_ranks(world, n);
      if (world.rank() < n) {
        Outcome o = run(comm, s);
        if (world.rank() == 0) outcomes.push_back(std::move(o));
      }
      world.barrier();
    }
    if (world.rank() != 0) continue;
    const Duration check = Duration::seconds(45);
    for (const Outcome& o : outcomes) {
      EXPECT_EQ(o.rows, 150U) << "every job has its row";
      EXPECT_EQ(o.open, 0U) << "no job open when the run stopped";
      // The state at a check instant holds the events before it: the first
      // check after the last job ended, i.e. the next multiple of 45 s.
      EXPECT_EQ(o.end_ns, (o.last_ended_ns / check.ns + 1) * check.ns) << "crashes " << crashes;
      EXPECT_LT(o.end_ns, Duration::seconds(12 * 3600).ns) << "stopped before the guard horizon";
      EXPECT_EQ(o.jobs, outcomes.front().jobs) << "job tables differ between rank counts";
    }
  }
}

TEST_P(RunUntilJobsFinal, StoppingEarlyChangesNoJobRow) {
  // One rank: the first test covers rank counts, and a long horizon costs
  // a window exchange per 10 ms on several.
  const boost::mpi::communicator world;
  const auto comm = test::first_ranks(world, 1);
  if (world.rank() == 0) {
    const Outcome early = run(comm, test::scenario_from_text(scenario(GetParam(), false)));
    const Outcome horizon =
        run(comm, test::scenario_from_text(scenario(GetParam(), false), {"grid.run_until=horizon", "run.duration=2h"}));
    EXPECT_LT(early.end_ns, horizon.end_ns);
    EXPECT_EQ(early.open, 0U);
    EXPECT_EQ(early.jobs, horizon.jobs);
  }
  world.barrier();
}

// One matchmaker per overlay: the stop is the engine's and the client's, not the matchmaker's.
INSTANTIATE_TEST_SUITE_P(Matchmakers, RunUntilJobsFinal, ::testing::Values("central", "can"),
                         [](const auto& p) {
                           std::string name = p.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace p2pgrid
