// Each failure path of the job protocol, driven deterministically: a
// baseline run finds the job's owner O, run node A and timing; the same
// scenario is then rerun with a fault injected mid-job, and the job's
// recorded history is checked. Runs on 1 and 2 ranks (the history must not
// depend on placement).

#include <gtest/gtest.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <optional>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/sim/network_model.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

constexpr std::uint32_t kServer = 63;
constexpr std::uint32_t kClient = 0;  // the one client is peer 0

std::string scenario_text(std::uint64_t seed, const std::string& extra) {
  return R"(
[run]
protocol = "grid"
duration = "1h"
seed = )" + std::to_string(seed) +
         R"(
[peers]
count = 64
[network]
min_latency = "40ms"
[chord]
bootstrap = "oracle"
[workload]
jobs = 1
clients = 1
start = "30s"
run_time = "200s"
run_time_spread = 0.0
# Every resource constrained: which node is the lowest-id capable one (the
# central server's choice on an idle grid) then varies with the seed.
constrained = 1.0
[grid]
client_timeout = "150s"
[match]
kind = "central"
server = 63
)" + extra;
}

struct Outcome {
  JobRecord job;
  std::vector<grid::SubmissionRecord> submissions;
};

/// Runs on MPI_COMM_WORLD; the outcome on rank 0 (broadcast-free: every
/// rank returns nullopt but rank 0).
std::optional<Outcome> run(std::uint64_t seed, const std::string& extra, const std::vector<std::string>& overrides = {}) {
  const boost::mpi::communicator world;
  const Scenario s = test::scenario_from_text(scenario_text(seed, extra), overrides);
  const MemoryTraceSink sink =
      test::run_gathered(world, s, {&JobRecord::kTable, &grid::SubmissionRecord::kTable});
  if (world.rank() != 0) return std::nullopt;
  const auto jobs = sink.rows<JobRecord>();
  EXPECT_EQ(jobs.size(), 1U) << "every submitted job ends with exactly one row";
  if (jobs.size() != 1) return std::nullopt;
  return Outcome{jobs[0], sink.rows<grid::SubmissionRecord>()};
}

struct Baseline {
  std::uint64_t seed;
  JobRecord job;
};

/// The first seed whose job runs on and is owned by ordinary peers (not the
/// server, not the client, owner != run node), so crashing them is clean.
/// Every rank takes part; rank 0's answer is shared by broadcast.
Baseline find_baseline(const std::function<bool(const JobRecord&, std::uint64_t)>& extra_condition = {}) {
  const boost::mpi::communicator world;
  for (std::uint64_t seed = 1; seed < 60; ++seed) {
    const auto out = run(seed, "");
    int ok = 0;
    if (world.rank() == 0 && out) {
      const JobRecord& j = out->job;
      ok = j.status == 0 && j.owner != j.run_node && j.owner != kServer && j.run_node != kServer &&
           j.owner != kClient && j.run_node != kClient && (!extra_condition || extra_condition(j, seed));
    }
    boost::mpi::broadcast(world, ok, 0);
    if (ok != 0) {
      Baseline b{seed, {}};
      if (world.rank() == 0) b.job = out->job;
      boost::mpi::broadcast(world, reinterpret_cast<char*>(&b.job), sizeof b.job, 0);
      return b;
    }
  }
  ADD_FAILURE() << "no usable baseline seed";
  return {};
}

std::string fault(const char* action, std::uint32_t peer, std::int64_t at_ns) {
  return "[[faults]]\naction = \"" + std::string(action) + "\"\npeers = [" + std::to_string(peer) + "]\nat = \"" +
         std::to_string(at_ns) + "ns\"\n";
}

TEST(Recovery, BaselineJobRunsOnceWithoutRecoveries) {
  const Baseline b = find_baseline();
  const auto out = run(b.seed, "");
  if (!out) return;
  EXPECT_EQ(out->job.status, 0U);
  EXPECT_EQ(out->job.recoveries, 0U);
  EXPECT_EQ(out->job.resubmissions, 0U);
  EXPECT_EQ(out->job.duplicate_runs, 0U);
  EXPECT_EQ(out->job.finished_ns - out->job.started_ns >= Duration::seconds(200).ns, true);
  EXPECT_EQ(out->submissions.size(), 1U);
}

TEST(Recovery, RunNodeDiesMidJobAndTheOwnerMatchesAgain) {
  const Baseline b = find_baseline();
  const auto out = run(b.seed, fault("crash", b.job.run_node, b.job.started_ns + Duration::seconds(100).ns));
  if (!out) return;
  const JobRecord& j = out->job;
  EXPECT_EQ(j.status, 0U) << "completed";
  EXPECT_NE(j.run_node, b.job.run_node) << "ran elsewhere";
  EXPECT_GE(j.recoveries, 1U);
  EXPECT_EQ(j.resubmissions, 0U) << "the owner recovered it; the client did not need to";
  // The rerun starts only after the owner noticed 3 silent heartbeat periods.
  EXPECT_GT(j.started_ns, b.job.started_ns + Duration::seconds(100).ns);
  EXPECT_GT(j.finished_ns, b.job.finished_ns);
}

TEST(Recovery, OwnerDiesAndTheRunNodeHandsTheJobToTheNewOwner) {
  const Baseline b = find_baseline();
  const auto out = run(b.seed, fault("crash", b.job.owner, b.job.started_ns + Duration::seconds(20).ns));
  if (!out) return;
  const JobRecord& j = out->job;
  EXPECT_EQ(j.status, 0U);
  EXPECT_EQ(j.run_node, b.job.run_node) << "the run was not disturbed";
  EXPECT_EQ(j.finished_ns, b.job.finished_ns) << "nor delayed";
  EXPECT_NE(j.owner, b.job.owner) << "a new owner adopted the job";
  EXPECT_GE(j.recoveries, 1U);
  EXPECT_EQ(j.resubmissions, 0U);
}

TEST(Recovery, BothDieAndTheClientResubmits) {
  const Baseline b = find_baseline();
  const std::int64_t at = b.job.started_ns + Duration::seconds(20).ns;
  const auto out = run(b.seed, fault("crash", b.job.owner, at) + fault("crash", b.job.run_node, at));
  if (!out) return;
  const JobRecord& j = out->job;
  EXPECT_EQ(j.status, 0U);
  EXPECT_GE(j.resubmissions, 1U);
  EXPECT_NE(j.run_node, b.job.run_node);
  ASSERT_GE(out->submissions.size(), 2U);
  // The resubmission came after the client's timeout, with a new GUID.
  EXPECT_GE(out->submissions[1].time_ns - at, Duration::seconds(150).ns - Duration::seconds(30).ns);
  EXPECT_NE(out->submissions[1].guid, out->submissions[0].guid);
}

TEST(Recovery, FalseSuspicionRematchesButTheSecondCopyIsWithdrawn) {
  // A partition cuts the owner (and the central server) off from the run
  // node (and the client) for longer than the owner's patience: the owner
  // presumes the run node dead and matches again, while the run node
  // finishes and reports to the client. When the partition heals, the
  // owner relays the second copy's status to the client, which already has
  // the result and answers Withdraw: the second copy is dropped before it
  // finishes, so no duplicate run.
  NetworkParams net;  // the scenario's defaults
  const auto sides_split = [&net](const JobRecord& j, std::uint64_t seed) {
    const NetworkModel model(net, seed);
    const double o = model.x(PeerId{j.owner}), server = model.x(PeerId{kServer});
    const double a = model.x(PeerId{j.run_node}), client = model.x(PeerId{kClient});
    return std::max(o, server) < std::min(a, client) || std::min(o, server) > std::max(a, client);
  };
  const Baseline b = find_baseline(sides_split);
  const NetworkModel model(net, b.seed);
  const double o = model.x(PeerId{b.job.owner}), server = model.x(PeerId{kServer});
  const double a = model.x(PeerId{b.job.run_node}), client = model.x(PeerId{kClient});
  const double split = std::max(o, server) < std::min(a, client) ? (std::max(o, server) + std::min(a, client)) / 2
                                                                   : (std::min(o, server) + std::max(a, client)) / 2;
  const std::int64_t start = b.job.started_ns + Duration::seconds(10).ns;
  const std::string partition = "[[network.partitions]]\nstart = \"" + std::to_string(start) + "ns\"\nend = \"" +
                                std::to_string(b.job.started_ns + Duration::seconds(250).ns) + "ns\"\nsplit = " +
                                std::to_string(split) + "\n";
  const auto out = run(b.seed, partition, {"grid.client_timeout=400s"});
  if (!out) return;
  const JobRecord& j = out->job;
  EXPECT_EQ(j.status, 0U);
  EXPECT_EQ(j.run_node, b.job.run_node) << "the first result, from the suspected node, was accepted";
  EXPECT_EQ(j.finished_ns, b.job.finished_ns);
  EXPECT_EQ(j.duplicate_runs, 0U) << "the rematched copy was withdrawn before it finished";
  EXPECT_GE(j.recoveries, 1U);
  EXPECT_EQ(j.resubmissions, 0U);
}

}  // namespace
}  // namespace p2pgrid
