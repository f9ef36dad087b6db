#include "p2pgrid/grid/fair_share.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace p2pgrid::grid {

FairShare::FairShare(Duration half_life) : half_life_(half_life) {
  if (half_life.ns <= 0) throw std::invalid_argument("fair share half-life must be positive");
}

double FairShare::decayed(const Account& a, Time now) const {
  const double periods = static_cast<double>((now - a.at).ns) / static_cast<double>(half_life_.ns);
  return a.usage_s * std::exp2(-periods);
}

void FairShare::charge(std::uint32_t user, Duration work, Time now) {
  const double seconds = static_cast<double>(work.ns) * 1e-9;
  for (Account& a : accounts_) {
    if (a.user == user) {
      a.usage_s = decayed(a, now) + seconds;
      a.at = now;
      return;
    }
  }
  // Forget accounts that decayed to nothing (below a microsecond), so the
  // list stays as short as the set of recent users.
  std::erase_if(accounts_, [&](const Account& a) { return decayed(a, now) < 1e-6; });
  accounts_.push_back({user, seconds, now});
}

double FairShare::usage(std::uint32_t user, Time now) const {
  for (const Account& a : accounts_) {
    if (a.user == user) return decayed(a, now);
  }
  return 0.0;
}

std::size_t FairShare::pick(std::span<const std::uint32_t> users, Time now) const {
  std::size_t best = 0;
  double best_usage = usage(users[0], now);
  for (std::size_t i = 1; i < users.size(); ++i) {
    const double u = usage(users[i], now);
    if (u < best_usage) {
      best = i;
      best_usage = u;
    }
  }
  return best;
}

}  // namespace p2pgrid::grid
