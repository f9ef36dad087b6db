#include "p2pgrid/workload/synthetic_jobs.hpp"

#include <gtest/gtest.h>

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
    for (const auto& [client, jobs] : plan.by_client) {
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
    for (const auto& [client, jobs] : plan.by_client) {
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
  for (const auto& [client, jobs] : plan.by_client) {
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

}  // namespace
}  // namespace p2pgrid::workload
