#include "p2pgrid/sim/churn.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace p2pgrid {

ChurnModel parse_churn_model(std::string_view name) {
  if (name == "none") return ChurnModel::kNone;
  if (name == "exponential") return ChurnModel::kExponential;
  if (name == "weibull") return ChurnModel::kWeibull;
  if (name == "pareto") return ChurnModel::kPareto;
  throw std::invalid_argument("churn.model: unknown model '" + std::string(name) +
                              "' (expected none, exponential, weibull or pareto)");
}

void validate(const ChurnParams& p) {
  if (!(p.fraction >= 0.0 && p.fraction <= 1.0)) throw std::invalid_argument("churn.fraction must be in [0, 1]");
  if (!(p.leave_probability >= 0.0 && p.leave_probability <= 1.0)) {
    throw std::invalid_argument("churn.leave_probability must be in [0, 1]");
  }
  if (p.model == ChurnModel::kNone) return;
  if (p.session_mean.ns <= 0) throw std::invalid_argument("churn.session_mean must be positive");
  if (p.down_mean.ns <= 0) throw std::invalid_argument("churn.down_mean must be positive");
  const auto check_shape = [&](double shape, const char* key) {
    if (p.model == ChurnModel::kWeibull && !(shape > 0.0)) {
      throw std::invalid_argument(std::string(key) + " must be positive for the Weibull model");
    }
    if (p.model == ChurnModel::kPareto && !(shape > 1.0)) {
      throw std::invalid_argument(std::string(key) + " must be above 1 for the Pareto model (a finite mean)");
    }
  };
  check_shape(p.session_shape, "churn.session_shape");
  check_shape(p.down_shape, "churn.down_shape");
}

Duration draw_churn_duration(ChurnModel model, Duration mean, double shape, Rng& rng) {
  const double m = static_cast<double>(mean.ns);
  double x = 0.0;
  switch (model) {
    case ChurnModel::kNone: return Duration::max();
    case ChurnModel::kExponential: x = rng.exponential(m); break;
    case ChurnModel::kWeibull: {
      // Inverse transform: x = scale * (-ln(1 - u))^(1/k), mean = scale * Gamma(1 + 1/k).
      const double scale = m / std::tgamma(1.0 + 1.0 / shape);
      x = scale * std::pow(-std::log1p(-rng.uniform01()), 1.0 / shape);
      break;
    }
    case ChurnModel::kPareto: {
      // Lomax: P(X > x) = (1 + x/scale)^-a, mean = scale / (a - 1).
      const double scale = m * (shape - 1.0);
      x = scale * (std::pow(1.0 - rng.uniform01(), -1.0 / shape) - 1.0);
      break;
    }
  }
  // Clamp to [1 ns, about 292 years]: a Pareto tail can exceed int64.
  if (!(x < 9.0e18)) return Duration{static_cast<std::int64_t>(9.0e18)};
  return Duration{std::max<std::int64_t>(1, std::llround(x))};
}

void append_churn(FaultPlan& plan, const ChurnParams& params, std::uint32_t peers, std::uint64_t seed, Time end) {
  validate(params);
  if (params.model == ChurnModel::kNone) return;
  for (std::uint32_t p = 0; p < peers; ++p) {
    Rng rng(seed, PeerId{p}, Purpose::kChurn);
    if (!rng.chance(params.fraction)) continue;
    Time t = params.start;
    for (;;) {
      const Duration session = draw_churn_duration(params.model, params.session_mean, params.session_shape, rng);
      if (session.ns >= end.ns - t.ns) break;
      t += session;
      const bool leave = params.leave_probability > 0.0 && rng.chance(params.leave_probability);
      plan.events.push_back({t, PeerId{p}, leave ? FaultAction::kLeave : FaultAction::kCrash});
      const Duration down = draw_churn_duration(params.model, params.down_mean, params.down_shape, rng);
      if (down.ns >= end.ns - t.ns) break;
      t += down;
      plan.events.push_back({t, PeerId{p}, FaultAction::kRestart});
    }
  }
}

}  // namespace p2pgrid
