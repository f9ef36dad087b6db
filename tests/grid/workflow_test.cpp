// Workflows and fair sharing through the real harness: layered DAGs (and
// fork-join under the sweep user mix) with the fair queue, 10% of the peers
// crashing while the first workflows run (10% more a minute later, coming
// back), under central, rntree and can-push. On every run, from the trace:
// every job that started did so only after each of its parents completed
// (its result accepted by the client); a job whose parent failed failed as
// parent_failed and never ran; each row's `parents` count matches its
// dependency rows; every job is final. The tables are identical on 1, 2
// and 4 ranks.

#include <gtest/gtest.h>

#include <boost/mpi/communicator.hpp>
#include <iostream>
#include <map>
#include <string>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/job_invariants.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

const std::vector<const TableDesc*> kTables{&JobRecord::kTable, &DependencyRecord::kTable,
                                            &grid::SubmissionRecord::kTable, &grid::HeldRecord::kTable,
                                            &FaultRecord::kTable};

std::string overlay_section(const std::string& kind) {
  if (kind == "can-push") return "[can]\nbootstrap = \"oracle\"\nupdate_period = \"5s\"\ndead_after = \"15s\"\n";
  return "[chord]\nbootstrap = \"oracle\"\nstabilize = \"10s\"\n";
}

std::string scenario_text(const std::string& kind, const std::string& workload) {
  return R"(
[run]
protocol = "grid"
duration = "50min"
seed = 41
[peers]
count = 80
[grid]
queue = "fair"
fair_half_life = "10min"
record_delay = "5min"
forget_after = "10min"
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
)" + workload + overlay_section(kind);
}

constexpr const char* kLayered = R"(
[workload]
jobs = 160
clients = 4
interarrival = "2s"
run_time = "60s"
constrained = 0.8
start = "60s"
dag = "layered"
dag_size = 12
dag_width = 4
output_bytes = 2000
)";

// Several users per client peer, a heavy one among them, and fork-join
// workflows: the fair queue reorders jobs of different users at each node.
constexpr const char* kSweeps = R"(
[workload]
users = "sweeps"
clients = 3
heavy_users = 1
heavy_jobs = 90
light_users = 8
light_jobs = 10
light_window = "10min"
run_time = "60s"
constrained = 0.4
start = "60s"
dag = "fork_join"
dag_size = 6
)";

struct Rows {
  std::vector<JobRecord> jobs;
  std::vector<DependencyRecord> edges;
  std::vector<grid::SubmissionRecord> submissions;
  std::vector<grid::HeldRecord> held;
  std::vector<FaultRecord> faults;
};

Rows run_on_every_rank_count(const boost::mpi::communicator& world, const Scenario& scenario) {
  Rows first;
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
          first.edges = sink.rows<DependencyRecord>();
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

/// The dependency invariant, from the trace alone.
void expect_parents_first(const Rows& run) {
  std::map<std::uint64_t, const JobRecord*> by_job;
  for (const JobRecord& j : run.jobs) by_job.emplace(j.job, &j);
  std::map<std::uint64_t, std::uint32_t> edge_count;
  std::size_t checked = 0;
  for (const DependencyRecord& e : run.edges) {
    ++edge_count[e.job];
    const auto child = by_job.find(e.job);
    const auto parent = by_job.find(e.parent);
    ASSERT_NE(child, by_job.end()) << "edge of job " << e.job << " without its row";
    ASSERT_NE(parent, by_job.end()) << "parent " << e.parent << " of job " << e.job << " has no row";
    const JobRecord& c = *child->second;
    const JobRecord& p = *parent->second;
    EXPECT_EQ(c.user, p.user) << "a workflow belongs to one user";
    if (c.status == static_cast<std::uint32_t>(JobStatus::kCompleted)) {
      ASSERT_EQ(p.status, static_cast<std::uint32_t>(JobStatus::kCompleted))
          << "job " << c.job << " completed but its parent " << p.job << " did not";
      EXPECT_GE(c.submit_ns, p.finished_ns) << "job " << c.job << " submitted before parent " << p.job << " completed";
      EXPECT_GE(c.started_ns, p.finished_ns) << "job " << c.job << " started before parent " << p.job << " completed";
      ++checked;
    }
    if (p.status == static_cast<std::uint32_t>(JobStatus::kFailed)) {
      EXPECT_EQ(c.status, static_cast<std::uint32_t>(JobStatus::kFailed)) << "job " << c.job;
      EXPECT_EQ(c.reason, static_cast<std::uint32_t>(JobFailure::kParentFailed)) << "job " << c.job;
      EXPECT_EQ(c.started_ns, -1) << "job " << c.job << " ran although parent " << p.job << " failed";
    }
  }
  for (const JobRecord& j : run.jobs) EXPECT_EQ(j.parents, edge_count[j.job]) << "job " << j.job;
  EXPECT_GT(checked, run.jobs.size() / 2) << "most edges joined two completed jobs";
}

std::function<grid::Resources(PeerId)> node_capabilities(std::uint64_t seed) {
  return [seed](PeerId p) { return can::capabilities_of(can::CapabilityModel{}, seed, p).value; };
}

class Workflows : public ::testing::TestWithParam<const char*> {};

TEST_P(Workflows, ParentsFirstUnderCrashes) {
  const boost::mpi::communicator world;
  for (const char* workload : {kLayered, kSweeps}) {
    const Rows run = run_on_every_rank_count(world, test::scenario_from_text(scenario_text(GetParam(), workload)));
    if (world.rank() != 0) continue;
    ASSERT_FALSE(run.edges.empty());
    ASSERT_FALSE(run.faults.empty());
    const test::JobOutcomes o = test::expect_every_job_final(run.jobs, run.submissions, run.held, node_capabilities(41));
    EXPECT_GT(o.recoveries + o.resubmissions, 0U) << "the crashes touched some job";
    std::cout << GetParam() << ": " << run.jobs.size() << " jobs, " << run.edges.size() << " edges, " << o.completed
              << " completed, " << o.failed() << " failed, " << o.parent_failed << " parent_failed, " << o.recoveries
              << " recoveries, " << o.resubmissions << " resubmissions\n";
    expect_parents_first(run);
  }
}

INSTANTIATE_TEST_SUITE_P(Matchmakers, Workflows, ::testing::Values("central", "rntree", "can-push"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace p2pgrid
