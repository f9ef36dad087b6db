// Every job ends, under every matchmaker (central, rntree, can, can-push),
// through the real harness on 1, 2 and 4 ranks. Each scenario lasts past
// its last deadline (match.deadline, client resubmissions, forget_after,
// record_delay), so the invariant is exact: every submitted job has one
// row, completed on a node that satisfies it or failed with a named
// reason; none open; no peer still holds job state; and the job tables
// are identical on every rank count.
//
// - Crashes during matchmaking: 10% of the peers crash while the first
//   jobs are being matched (explored tree nodes, CAN forwarding targets and
//   deciders, owners mid-round die), 10% more a minute later and come back.
// - Unmatchable jobs: an SWF log in which every 4th job asks for 64 GiB
//   (nodes have at most 16): exactly those fail as `unmatchable`, within
//   the deadline; every other job completes.
// - The central server crashes for good: its jobs end failed with a
//   reason (match_deadline) or completed, never open.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <set>
#include <string>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

const std::vector<const TableDesc*> kTables{&JobRecord::kTable, &grid::SubmissionRecord::kTable,
                                            &grid::HeldRecord::kTable, &FaultRecord::kTable};

bool over_can(const std::string& kind) { return kind == "can" || kind == "can-push"; }

/// The overlay section a matchmaker runs over, with short periods so a
/// crash is noticed within a minute.
std::string overlay_section(const std::string& kind) {
  if (over_can(kind)) return "[can]\nbootstrap = \"oracle\"\nupdate_period = \"5s\"\ndead_after = \"15s\"\n";
  return "[chord]\nbootstrap = \"oracle\"\nstabilize = \"10s\"\n";
}

/// Deadlines short enough that a run of a simulated hour or two outlasts
/// all of them: a job's fate is final by submission + 4 attempts x
/// (deadline + client_timeout), and nothing is held after forget_after.
constexpr const char* kDeadlines = R"(
[grid]
record_delay = "5min"
forget_after = "10min"
)";

std::string crash_scenario(const std::string& kind) {
  return R"(
[run]
protocol = "grid"
duration = "75min"
seed = 31
[peers]
count = 120
[workload]
jobs = 200
clients = 4
interarrival = "1s"
run_time = "60s"
constrained = 0.8
start = "60s"
[match]
kind = ")" + kind + R"("
deadline = "10min"
[[faults]]
at = "90s"
fraction = 0.1
[[faults]]
at = "150s"
fraction = 0.1
restart_after = "2min"
)" + std::string(kDeadlines) + overlay_section(kind);
}

std::string unmatchable_scenario(const std::string& kind) {
  return R"(
[run]
protocol = "grid"
duration = "45min"
seed = 7
[peers]
count = 100
[workload]
source = "swf"
swf_file = ")" + std::string(P2PGRID_SOURCE_DIR) + R"(/tests/data/unmatchable.swf"
clients = 3
start = "30s"
[match]
kind = ")" + kind + R"("
deadline = "5min"
)" + std::string(kDeadlines) + overlay_section(kind);
}

struct RunRows {
  std::vector<JobRecord> jobs;
  std::vector<grid::SubmissionRecord> submissions;
  std::vector<grid::HeldRecord> held;
  std::vector<FaultRecord> faults;
};

/// Runs the scenario on 1, 2 and 4 ranks (as many as the launch has),
/// expects identical tables, and returns the first run's rows on rank 0.
RunRows run_on_every_rank_count(const boost::mpi::communicator& world, const Scenario& scenario) {
  RunRows first;
  std::vector<std::string> canon;
  for (const int n : {1, 2, 4}) {
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
          first.faults = sink.rows<FaultRecord>();
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

std::function<grid::Resources(PeerId)> node_capabilities(std::uint64_t seed) {
  return [seed](PeerId p) { return can::capabilities_of(can::CapabilityModel{}, seed, p).value; };
}

class EveryJobEnds : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryJobEnds, CrashesDuringMatchmaking) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(crash_scenario(GetParam()));
  const RunRows run = run_on_every_rank_count(world, scenario);
  if (world.rank() != 0) return;
  const test::JobOutcomes o = test::expect_every_job_final(run.jobs, run.submissions, run.held, node_capabilities(31));
  EXPECT_EQ(o.submitted, 200U);
  std::set<std::int64_t> waves;
  for (const FaultRecord& f : run.faults) {
    if (f.action == FaultRecord::kCrash) waves.insert(f.time_ns);
  }
  EXPECT_EQ(waves.size(), 2U) << "both waves of crashes happened";
  EXPECT_GT(o.recoveries + o.resubmissions, 0U) << "the crashes hit jobs in flight";
  std::printf("%s crashes: %zu completed, %zu unmatchable, %zu match_deadline, %zu client_gave_up; %zu recoveries, "
              "%zu resubmissions, %zu duplicate runs\n",
              GetParam(), o.completed, o.unmatchable, o.match_deadline, o.client_gave_up, o.recoveries,
              o.resubmissions, o.duplicate_runs);
}

TEST_P(EveryJobEnds, UnmatchableJobsFailAsUnmatchableWithinTheDeadline) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(unmatchable_scenario(GetParam()));
  const RunRows run = run_on_every_rank_count(world, scenario);
  if (world.rank() != 0) return;
  const test::JobOutcomes o = test::expect_every_job_final(run.jobs, run.submissions, run.held, node_capabilities(7));
  EXPECT_EQ(o.submitted, 48U);
  const can::CapabilityModel model;
  const Duration deadline = Duration::seconds(300);
  // The owner fails the job at the first answer past its deadline: rounds
  // are match_retry (10 s) apart, plus the messages' delays.
  const Duration slack = Duration::seconds(30);
  for (const JobRecord& j : run.jobs) {
    const bool impossible = j.min_memory > model.max[1];
    if (impossible) {
      EXPECT_EQ(j.status, static_cast<std::uint32_t>(JobStatus::kFailed)) << "job " << j.job;
      EXPECT_EQ(j.reason, static_cast<std::uint32_t>(JobFailure::kUnmatchable)) << "job " << j.job;
      EXPECT_EQ(j.resubmissions, 0U) << "a verdict is final: job " << j.job;
      EXPECT_GE(j.ended_ns - j.submit_ns, deadline.ns) << "job " << j.job << " failed before its deadline";
      EXPECT_LE(j.ended_ns - j.submit_ns, (deadline + slack).ns) << "job " << j.job << " failed late";
    } else {
      EXPECT_EQ(j.status, static_cast<std::uint32_t>(JobStatus::kCompleted))
          << "job " << j.job << " needs " << j.min_memory << " MiB, which nodes have";
    }
  }
  EXPECT_EQ(o.unmatchable, 12U);
  EXPECT_EQ(o.completed, 36U);
}

INSTANTIATE_TEST_SUITE_P(Matchmakers, EveryJobEnds, ::testing::Values("central", "rntree", "can", "can-push"),
                         [](const auto& p) {
                           std::string name = p.param;
                           std::erase(name, '-');
                           return name;
                         });

TEST(CentralServer, CrashForGoodEndsItsJobsWithAReason) {
  const boost::mpi::communicator world;
  std::string text = crash_scenario("central");
  // Replace the crash waves with the server alone, while jobs still
  // arrive. Peer 0 is a client (exempt from faults): the server is peer 5.
  text = text.substr(0, text.find("[[faults]]")) + "[[faults]]\nat = \"2min\"\npeers = [5]\n" + kDeadlines +
         overlay_section("central");
  const Scenario scenario = test::scenario_from_text(text, {"workload.interarrival=2s", "match.server=5"});
  const RunRows run = run_on_every_rank_count(world, scenario);
  if (world.rank() != 0) return;
  const test::JobOutcomes o = test::expect_every_job_final(run.jobs, run.submissions, run.held, node_capabilities(31));
  EXPECT_EQ(o.submitted, 200U);
  EXPECT_GT(o.completed, 0U) << "jobs matched before the crash ran";
  EXPECT_GT(o.match_deadline, 0U) << "jobs submitted after the crash found no server";
  std::printf("central server down: %zu completed, %zu match_deadline, %zu client_gave_up\n", o.completed,
              o.match_deadline, o.client_gave_up);
}

}  // namespace
}  // namespace p2pgrid
