#pragma once
/// Churn: every peer alternates up sessions and down times drawn from a
/// distribution, and each session ends in a crash (or a graceful leave)
/// followed by a restart after the down time. The draws come from the
/// peer's own stream (seed, peer, Purpose::kChurn), so the plan is the same
/// on every rank and does not depend on the number of peers that churn.
///
/// Distributions, each given by its mean (and a shape where it has one):
///   exponential  mean m                        (memoryless; Stoica et al.'s churn model)
///   weibull      shape k, scale m / Gamma(1 + 1/k)   (k < 1: heavy-tailed sessions, as measured in
///                                                     deployed P2P systems)
///   pareto       shifted Pareto (Lomax), shape a > 1, scale m * (a - 1):
///                x = scale * ((1 - u)^(-1/a) - 1), the long-tailed sessions of Bustamante & Qiao
/// docs/chord.md lists the config keys.

#include <cstdint>
#include <string_view>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/sim/fault_plan.hpp"

namespace p2pgrid {

enum class ChurnModel : std::uint8_t { kNone, kExponential, kWeibull, kPareto };

/// "none", "exponential", "weibull" or "pareto"; throws std::invalid_argument otherwise.
ChurnModel parse_churn_model(std::string_view name);

struct ChurnParams {
  ChurnModel model = ChurnModel::kNone;
  double fraction = 1.0;                          ///< share of peers that churn (each decided by its own stream)
  Time start = Time::zero();                      ///< sessions are counted from here
  Duration session_mean = Duration::seconds(3600);
  double session_shape = 1.0;                     ///< Weibull k or Pareto a
  Duration down_mean = Duration::seconds(600);
  double down_shape = 1.0;
  double leave_probability = 0.0;                 ///< a session ends in a graceful leave rather than a crash
};

/// Throws std::invalid_argument naming the `churn.*` key at fault.
void validate(const ChurnParams& params);

/// One draw of the model with the given mean and shape, in nanoseconds (at least 1).
Duration draw_churn_duration(ChurnModel model, Duration mean, double shape, Rng& rng);

/// Appends every peer's crash/leave and restart events in [start, end) to
/// `plan` (not normalized: the caller normalizes once).
void append_churn(FaultPlan& plan, const ChurnParams& params, std::uint32_t peers, std::uint64_t seed, Time end);

}  // namespace p2pgrid
