#include "p2pgrid/workload/synthetic_jobs.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::workload {
namespace {

// A small node population for the tests: capabilities from each peer's own stream.
grid::Resources caps(PeerId p) {
  Rng r(99, p, Purpose::kCapabilities);
  return {static_cast<std::uint32_t>(500 + r.below(3500)), static_cast<std::uint32_t>(512 + r.below(16000)),
          static_cast<std::uint32_t>(10 + r.below(990))};
}

constexpr std::uint32_t kPeers = 300;

TEST(SyntheticJobs, EveryJobHasACapableNode) {
  for (const JobMix mix : {JobMix::kMixed, JobMix::kClustered}) {
    JobModel m;
    m.jobs = 2000;
    m.mix = mix;
    m.constrained_probability = 0.8;
    const grid::JobPlan plan = make_job_plan(m, kPeers, 5, caps);
    std::size_t count = 0;
    for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
      for (const grid::JobSpec& j : jobs) {
        ++count;
        bool capable = false;
        for (std::uint32_t p = 0; p < kPeers && !capable; ++p) capable = grid::satisfies(caps(PeerId{p}), j.requirements);
        ASSERT_TRUE(capable);
      }
    }
    EXPECT_EQ(count, m.jobs);
  }
}

TEST(SyntheticJobs, ConstraintRateArrivalsAndRunTimesMatchTheModel) {
  for (const double p : {0.4, 0.8}) {
    JobModel m;
    m.jobs = 20000;
    m.constrained_probability = p;
    const grid::JobPlan plan = make_job_plan(m, kPeers, 6, caps);
    double constrained = 0, run = 0;
    Time last = m.start;
    std::vector<Time> submits;
    for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
      EXPECT_TRUE(is_client(m, kPeers, PeerId{client}));
      for (const grid::JobSpec& j : jobs) {
        for (auto r : j.requirements) constrained += r > 0 ? 1 : 0;
        run += j.run_time.to_seconds();
        submits.push_back(j.submit);
        EXPECT_GE(j.run_time, Duration::seconds(100));
        EXPECT_LE(j.run_time, Duration::seconds(300));
      }
    }
    // 3 resources per job: mean constraints 1.2 (p = 0.4) or 2.4 (p = 0.8).
    EXPECT_NEAR(constrained / m.jobs, 3 * p, 0.05);
    EXPECT_NEAR(run / m.jobs, 200.0, 2.0);
    for (const Time t : submits) last = std::max(last, t);
    // Poisson arrivals, mean 0.1 s: the last of 20,000 near 2,000 s after the start.
    EXPECT_NEAR((last - m.start).to_seconds(), 2000.0, 60.0);
  }
}

TEST(SyntheticJobs, ClustersHaveFewDistinctRequirementVectors) {
  JobModel m;
  m.jobs = 1000;
  m.mix = JobMix::kClustered;
  m.classes = 3;
  const grid::JobPlan plan = make_job_plan(m, kPeers, 7, caps);
  std::set<grid::Resources> distinct;
  for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
    for (const grid::JobSpec& j : jobs) distinct.insert(j.requirements);
  }
  EXPECT_LE(distinct.size(), 3U);
}

TEST(SyntheticJobs, ClientsAreSpreadAndRecognised) {
  JobModel m;
  m.clients = 7;
  std::uint32_t found = 0;
  for (std::uint32_t p = 0; p < kPeers; ++p) found += is_client(m, kPeers, PeerId{p}) ? 1 : 0;
  EXPECT_EQ(found, 7U);
  for (std::uint32_t i = 0; i < 7; ++i) EXPECT_TRUE(is_client(m, kPeers, client_peer(m, kPeers, i)));
}

TEST(SyntheticJobs, SweepsGiveEachUserItsJobsAtItsTimes) {
  JobModel m;
  m.users = UserMix::kSweeps;
  m.clients = 7;  // fewer clients than users: several users share a client peer
  m.heavy_users = 2;
  m.heavy_jobs = 300;
  m.heavy_bursts = 3;
  m.heavy_burst_gap = Duration::seconds(600);
  m.light_users = 20;
  m.light_jobs = 4;
  m.light_window = Duration::seconds(3600);
  const grid::JobPlan plan = make_job_plan(m, kPeers, 8, caps);
  std::map<std::uint32_t, std::size_t> per_user;
  std::map<std::uint32_t, std::set<std::int64_t>> heavy_times;
  for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
    EXPECT_FALSE(client_plan.parents.any()) << "sweeps without a DAG shape have no workflows";
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      const grid::JobSpec& j = jobs[i];
      ++per_user[j.user];
      EXPECT_EQ(client_peer(m, kPeers, j.user % m.clients).value, client) << "user " << j.user;
      if (i > 0) { EXPECT_LE(jobs[i - 1].submit, j.submit) << "a client submits in time order"; }
      if (j.user < m.heavy_users) {
        heavy_times[j.user].insert(j.submit.ns);
      } else {
        EXPECT_GE(j.submit, m.start);
        EXPECT_LT(j.submit, m.start + m.light_window);
      }
    }
  }
  ASSERT_EQ(per_user.size(), 22U);
  for (const auto& [user, n] : per_user) EXPECT_EQ(n, user < 2 ? 300U : 4U) << "user " << user;
  for (const auto& [user, times] : heavy_times) {
    EXPECT_EQ(times, (std::set<std::int64_t>{m.start.ns, (m.start + Duration::seconds(600)).ns,
                                             (m.start + Duration::seconds(1200)).ns}));
  }
}

TEST(SyntheticJobs, HeavySpacingSpreadsEachBurst) {
  JobModel m;
  m.users = UserMix::kSweeps;
  m.clients = 1;
  m.heavy_users = 1;
  m.heavy_jobs = 10;
  m.heavy_bursts = 2;
  m.heavy_burst_gap = Duration::seconds(1000);
  m.heavy_spacing = Duration::seconds(1);
  m.light_users = 0;
  const grid::JobPlan plan = make_job_plan(m, kPeers, 8, caps);
  const auto& jobs = plan.by_client.at(client_peer(m, kPeers, 0).value).jobs;
  ASSERT_EQ(jobs.size(), 10U);
  for (std::size_t j = 0; j < 10; ++j) {
    const auto expected = m.start + Duration::seconds(j < 5 ? static_cast<std::int64_t>(j) : 1000 + static_cast<std::int64_t>(j) - 5);
    EXPECT_EQ(jobs[j].submit, expected) << "job " << j;
  }
}

TEST(SyntheticJobs, PerClientUsersAreTheClientIndex) {
  JobModel m;
  m.jobs = 500;
  m.clients = 5;
  const grid::JobPlan plan = make_job_plan(m, kPeers, 9, caps);
  for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
    for (const grid::JobSpec& j : jobs) EXPECT_EQ(client_peer(m, kPeers, j.user).value, client);
  }
}

TEST(SyntheticJobs, WorkflowShapes) {
  for (const DagShape shape : {DagShape::kChain, DagShape::kForkJoin, DagShape::kLayered}) {
    JobModel m;
    m.jobs = 400;
    m.clients = 3;
    m.dag = shape;
    m.dag_size = 9;
    m.dag_width = 3;
    m.output_bytes = 1000;
    const grid::JobPlan plan = make_job_plan(m, kPeers, 10, caps);
    std::size_t edges = 0;
    for (const auto& [client, client_plan] : plan.by_client) {
    const auto& jobs = client_plan.jobs;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const grid::JobSpec& j = jobs[i];
        const std::span<const std::uint32_t> span = client_plan.parents.of(i);
        const std::vector<std::uint32_t> parents(span.begin(), span.end());
        const std::size_t first = i / m.dag_size * m.dag_size;
        const std::size_t k = i - first;
        EXPECT_EQ(j.submit, jobs[first].submit) << "a workflow is submitted at once";
        EXPECT_EQ(j.user, jobs[first].user);
        EXPECT_EQ(j.input_bytes, m.input_bytes + m.output_bytes * parents.size());
        for (const std::uint32_t p : parents) {
          EXPECT_GE(p, first) << "parents are in the same workflow";
          EXPECT_LT(p, i) << "parents come earlier";
        }
        edges += parents.size();
        const std::size_t n = std::min<std::size_t>(m.dag_size, jobs.size() - first);
        if (k == 0) { EXPECT_TRUE(parents.empty()); }
        if (shape == DagShape::kChain && k > 0) { EXPECT_EQ(parents, std::vector<std::uint32_t>{std::uint32_t(i - 1)}); }
        if (shape == DagShape::kForkJoin && k > 0 && k + 1 < n) {
          EXPECT_EQ(parents, std::vector<std::uint32_t>{std::uint32_t(first)});
        }
        if (shape == DagShape::kForkJoin && n > 2 && k + 1 == n) { EXPECT_EQ(parents.size(), n - 2); }
        if (shape == DagShape::kLayered && k >= m.dag_width) {
          EXPECT_FALSE(parents.empty());
          for (const std::uint32_t p : parents) EXPECT_EQ((p - first) / m.dag_width + 1, k / m.dag_width);
        }
      }
    }
    EXPECT_GT(edges, 0U);
  }
}

}  // namespace
}  // namespace p2pgrid::workload
