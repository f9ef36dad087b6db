// Churn fault plans: deterministic, alternating, inside the run, and with
// the sample means and shapes of the configured distributions.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "p2pgrid/sim/churn.hpp"

namespace p2pgrid {
namespace {

TEST(Churn, DrawsHaveTheConfiguredMeans) {
  // 200,000 draws each; the standard error of the mean is at most a few
  // tenths of a percent for these shapes (Pareto a = 3.5 has finite variance).
  const Duration mean = Duration::seconds(100);
  struct Case {
    ChurnModel model;
    double shape;
  };
  for (const Case c : {Case{ChurnModel::kExponential, 1.0}, Case{ChurnModel::kWeibull, 0.7},
                       Case{ChurnModel::kWeibull, 2.0}, Case{ChurnModel::kPareto, 3.5}}) {
    Rng rng(7);
    double sum = 0;
    constexpr int kN = 200000;
    for (int i = 0; i < kN; ++i) sum += static_cast<double>(draw_churn_duration(c.model, mean, c.shape, rng).ns);
    EXPECT_NEAR(sum / kN / 1e9, 100.0, 2.0) << "model " << static_cast<int>(c.model) << " shape " << c.shape;
  }
}

TEST(Churn, WeibullAndParetoHaveTheirTails) {
  // P(X > mean): exponential e^-1; Weibull k: exp(-Gamma(1+1/k)^k);
  // Lomax a: (1 + 1/(a-1))^-a. Checked on 200,000 draws.
  const Duration mean = Duration::seconds(10);
  const auto tail = [&](ChurnModel m, double shape) {
    Rng rng(11);
    int above = 0;
    for (int i = 0; i < 200000; ++i) above += draw_churn_duration(m, mean, shape, rng) > mean ? 1 : 0;
    return above / 200000.0;
  };
  EXPECT_NEAR(tail(ChurnModel::kExponential, 1), std::exp(-1.0), 0.005);
  EXPECT_NEAR(tail(ChurnModel::kWeibull, 0.5), std::exp(-std::pow(std::tgamma(3.0), 0.5)), 0.005);
  EXPECT_NEAR(tail(ChurnModel::kPareto, 2.0), std::pow(2.0, -2.0), 0.005);
}

TEST(Churn, PlanAlternatesPerPeerAndIsDeterministic) {
  ChurnParams p;
  p.model = ChurnModel::kExponential;
  p.start = Time{Duration::seconds(10).ns};
  p.session_mean = Duration::seconds(50);
  p.down_mean = Duration::seconds(20);
  p.fraction = 0.5;
  p.leave_probability = 0.25;
  const Time end{Duration::seconds(1000).ns};
  FaultPlan a;
  append_churn(a, p, 2000, 3, end);
  FaultPlan b;
  append_churn(b, p, 2000, 3, end);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].at, b.events[i].at);
    EXPECT_EQ(a.events[i].peer, b.events[i].peer);
  }
  // Per peer: down, up, down, up... strictly increasing times inside [start, end).
  std::map<std::uint32_t, std::vector<FaultEvent>> by_peer;
  std::size_t leaves = 0;
  std::size_t downs = 0;
  for (const FaultEvent& e : a.events) by_peer[e.peer.value].push_back(e);
  for (const auto& [peer, events] : by_peer) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      const bool down = i % 2 == 0;
      EXPECT_EQ(events[i].action == FaultAction::kRestart, !down) << "peer " << peer;
      EXPECT_GE(events[i].at, p.start);
      EXPECT_LT(events[i].at, end);
      if (i > 0) {
        EXPECT_GT(events[i].at, events[i - 1].at);
      }
      if (down) {
        ++downs;
        leaves += events[i].action == FaultAction::kLeave ? 1 : 0;
      }
    }
  }
  // About half the peers churn, each about 990 / 70 = 14 times.
  EXPECT_NEAR(static_cast<double>(by_peer.size()), 1000.0, 80.0);
  EXPECT_NEAR(static_cast<double>(downs) / static_cast<double>(by_peer.size()), 990.0 / 70.0, 1.0);
  EXPECT_NEAR(static_cast<double>(leaves) / static_cast<double>(downs), 0.25, 0.02);
}

TEST(Churn, InvalidParametersNameTheKey) {
  ChurnParams p;
  p.model = ChurnModel::kPareto;
  p.session_shape = 1.0;
  try {
    validate(p);
    FAIL() << "accepted a Pareto shape of 1";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("churn.session_shape"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_churn_model("gamma"), std::invalid_argument);
  EXPECT_EQ(parse_churn_model("weibull"), ChurnModel::kWeibull);
}

}  // namespace
}  // namespace p2pgrid
