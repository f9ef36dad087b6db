// The workload's requirement models (docs/workloads.md) against independent
// formulas: each drawn distribution is compared with its exact law by a
// binomial or chi-square test at a fixed seed (deterministic; the
// significance level only says how far off a wrong generator would have to be).

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <map>
#include <set>
#include <stdexcept>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/workload/synthetic_jobs.hpp"

namespace p2pgrid::workload {
namespace {

constexpr std::uint32_t kPeers = 200;
constexpr double kAlpha = 1e-4;

// Small capability ranges so every value has many samples.
grid::Resources caps(PeerId p) {
  Rng r(41, p, Purpose::kCapabilities);
  return {static_cast<std::uint32_t>(1 + r.below(8)), static_cast<std::uint32_t>(1 + r.below(6)),
          static_cast<std::uint32_t>(1 + r.below(10))};
}

std::vector<grid::Resources> requirements(const JobModel& m, std::uint64_t seed) {
  std::vector<grid::Resources> out;
  for (const auto& [client, client_plan] : make_job_plan(m, kPeers, seed, caps).by_client) {
    for (const grid::JobSpec& j : client_plan.jobs) out.push_back(j.requirements);
  }
  return out;
}

grid::Resources weakest() {
  grid::Resources w{~0U, ~0U, ~0U};
  for (std::uint32_t q = 0; q < kPeers; ++q) {
    for (std::size_t r = 0; r < grid::kResources; ++r) w[r] = std::min(w[r], caps(PeerId{q})[r]);
  }
  return w;
}

/// Two-sided binomial test: is `k` of `n` compatible with probability p?
void expect_binomial(std::uint64_t k, std::uint64_t n, double p) {
  const boost::math::binomial_distribution<> law(static_cast<double>(n), p);
  const double low = boost::math::cdf(law, static_cast<double>(k));
  const double high = k == 0 ? 1.0 : boost::math::cdf(boost::math::complement(law, static_cast<double>(k - 1)));
  EXPECT_GT(2 * std::min(low, high), kAlpha) << k << " of " << n << " against p = " << p;
}

/// Pearson's chi-square of observed counts against expected probabilities (sum 1).
void expect_law(const std::map<std::uint32_t, double>& observed, const std::map<std::uint32_t, double>& law,
                double n) {
  double chi2 = 0;
  for (const auto& [v, p] : law) {
    const auto it = observed.find(v);
    const double o = it == observed.end() ? 0.0 : it->second;
    chi2 += (o - n * p) * (o - n * p) / (n * p);
  }
  for (const auto& [v, o] : observed) EXPECT_TRUE(law.contains(v)) << "value " << v << " has probability 0";
  const boost::math::chi_squared_distribution<> dist(static_cast<double>(law.size() - 1));
  EXPECT_GT(boost::math::cdf(boost::math::complement(dist, chi2)), kAlpha) << "chi2 = " << chi2;
}

JobModel model(RequirementModel req, ConstraintCount count, double p) {
  JobModel m;
  m.jobs = 20'000;
  m.requirement = req;
  m.count = count;
  m.constrained_probability = p;
  return m;
}

TEST(RequirementModel, NodeValueTakesEveryMinimumFromOneNode) {
  for (const double p : {0.4, 0.8}) {
    const auto reqs = requirements(model(RequirementModel::kNodeValue, ConstraintCount::kDrawn, p), 3);
    std::uint64_t constrained = 0;
    for (const grid::Resources& req : reqs) {
      bool some_node = false;
      for (std::uint32_t q = 0; q < kPeers && !some_node; ++q) {
        const grid::Resources c = caps(PeerId{q});
        some_node = true;
        for (std::size_t r = 0; r < grid::kResources; ++r) some_node = some_node && (req[r] == 0 || req[r] == c[r]);
      }
      ASSERT_TRUE(some_node);
      for (auto v : req) constrained += v > 0 ? 1 : 0;
    }
    expect_binomial(constrained, 3 * reqs.size(), p);
  }
}

TEST(RequirementModel, NodeValueMinimumsFollowTheNodePopulation) {
  // P(min_cpu = v) = p * (nodes with cpu v) / N; P(min_cpu = 0) = 1 - p.
  const double p = 0.4;
  const auto reqs = requirements(model(RequirementModel::kNodeValue, ConstraintCount::kDrawn, p), 4);
  std::map<std::uint32_t, double> law{{0, 1 - p}}, seen;
  for (std::uint32_t q = 0; q < kPeers; ++q) law[caps(PeerId{q})[0]] += p / kPeers;
  for (const grid::Resources& req : reqs) seen[req[0]] += 1;
  expect_law(seen, law, static_cast<double>(reqs.size()));
}

TEST(RequirementModel, BelowNodeIsUniformUnderAReferenceNode) {
  // P(min_memory = v) = p * mean over nodes n of [v <= c_n] / c_n, v >= 1.
  const double p = 0.8;
  const auto reqs = requirements(model(RequirementModel::kBelowNode, ConstraintCount::kDrawn, p), 5);
  std::map<std::uint32_t, double> law{{0, 1 - p}}, seen;
  for (std::uint32_t q = 0; q < kPeers; ++q) {
    const std::uint32_t c = caps(PeerId{q})[1];
    for (std::uint32_t v = 1; v <= c; ++v) law[v] += p / kPeers / c;
  }
  for (const grid::Resources& req : reqs) seen[req[1]] += 1;
  expect_law(seen, law, static_cast<double>(reqs.size()));
}

TEST(RequirementModel, BindingCountsOnlyConstraintsAboveTheWeakestNode) {
  const grid::Resources w = weakest();
  for (const RequirementModel req : {RequirementModel::kBelowNode, RequirementModel::kNodeValue}) {
    for (const double p : {0.4, 0.8}) {
      const auto reqs = requirements(model(req, ConstraintCount::kBinding, p), 6);
      std::uint64_t binding = 0;
      for (const grid::Resources& r : reqs) {
        for (std::size_t i = 0; i < grid::kResources; ++i) {
          if (r[i] == 0) continue;
          ASSERT_GT(r[i], w[i]) << "a constrained minimum that binds nothing";
          ++binding;
        }
      }
      // 3p effective constraints per job: the paper's 1.2 and 2.4.
      expect_binomial(binding, 3 * reqs.size(), p);
    }
  }
}

TEST(RequirementModel, BindingBelowNodeIsTheDrawnLawConditionedOnBinding) {
  // Resource 2 (disk) constrained alone is not enough to condition on: take
  // p = 1 so every job constrains all three, and check the disk minimum's
  // law: the drawn law's joint draw (one reference node for all three)
  // conditioned on all three exceeding the weakest node.
  const grid::Resources w = weakest();
  const auto reqs = requirements(model(RequirementModel::kBelowNode, ConstraintCount::kBinding, 1.0), 7);
  std::map<std::uint32_t, double> law, seen;
  double total = 0;
  for (std::uint32_t q = 0; q < kPeers; ++q) {
    const grid::Resources c = caps(PeerId{q});
    // P(all three above the weakest) for this reference node, then the disk value.
    const double above01 = (c[0] > w[0] ? static_cast<double>(c[0] - w[0]) / c[0] : 0.0) *
                           (c[1] > w[1] ? static_cast<double>(c[1] - w[1]) / c[1] : 0.0);
    for (std::uint32_t v = w[2] + 1; v <= c[2]; ++v) {
      law[v] += above01 / c[2];
      total += above01 / c[2];
    }
  }
  for (auto& [v, pv] : law) pv /= total;
  for (const grid::Resources& r : reqs) seen[r[2]] += 1;
  expect_law(seen, law, static_cast<double>(reqs.size()));
}

TEST(RequirementModel, ImpossibleBindingIsAnErrorThatNamesTheResources) {
  // Two machine classes, each the weakest in one resource: no node exceeds
  // the weakest in cpu and memory at once.
  const auto two = [](PeerId p) { return p.value % 2 == 0 ? grid::Resources{1, 9, 5} : grid::Resources{9, 1, 6}; };
  JobModel m = model(RequirementModel::kNodeValue, ConstraintCount::kBinding, 1.0);
  m.jobs = 10;
  try {
    make_job_plan(m, 10, 1, two);
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("{cpu, memory, disk}"), std::string::npos) << e.what();
  }
}

TEST(RequirementModel, ClassSeedFixesTheJobClassesAcrossRunSeeds) {
  JobModel m = model(RequirementModel::kNodeValue, ConstraintCount::kDrawn, 0.8);
  m.jobs = 2000;
  m.mix = JobMix::kClustered;
  const auto classes = [&](std::uint64_t seed) {
    std::set<grid::Resources> out;
    for (const grid::Resources& r : requirements(m, seed)) out.insert(r);
    return out;
  };
  EXPECT_NE(classes(1), classes(2));  // class_seed 0: every run seed redraws the classes
  m.class_seed = 77;
  EXPECT_EQ(classes(1), classes(2));
  EXPECT_LE(classes(1).size(), m.classes);
}

}  // namespace
}  // namespace p2pgrid::workload
