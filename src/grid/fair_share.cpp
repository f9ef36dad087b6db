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

FairShare::Account* FairShare::find(std::uint32_t user) {
  const auto it = std::find_if(accounts_.begin(), accounts_.end(), [user](const Account& a) { return a.user == user; });
  return it == accounts_.end() ? nullptr : &*it;
}

void FairShare::add(std::uint32_t user, double usage_s, Time now) {
  // Forget accounts that decayed to nothing (below a microsecond), so the
  // list stays as short as the set of recent users.
  std::erase_if(accounts_, [&](const Account& a) { return decayed(a, now) < 1e-6; });
  accounts_.push_back({user, usage_s, now});
}

void FairShare::charge(std::uint32_t user, Duration work, Time now) {
  const double seconds = static_cast<double>(work.ns) * 1e-9;
  if (Account* a = find(user)) {
    a->usage_s = decayed(*a, now) + seconds;
    a->at = now;
    return;
  }
  add(user, seconds, now);
}

void FairShare::set(std::uint32_t user, double usage_s, Time now) {
  if (Account* a = find(user)) {
    a->usage_s = usage_s;
    a->at = now;
    return;
  }
  if (usage_s > 0.0) add(user, usage_s, now);
}

double FairShare::usage(std::uint32_t user, Time now) const {
  for (const Account& a : accounts_) {
    if (a.user == user) return decayed(a, now);
  }
  return 0.0;
}

std::size_t FairShare::pick(std::span<const std::uint32_t> users, Time now, const UserWeights& weights) const {
  const auto share = [&](std::uint32_t user) {
    const double u = usage(user, now);
    return weights ? u / weights(user) : u;
  };
  std::size_t best = 0;
  double best_share = share(users[0]);
  for (std::size_t i = 1; i < users.size(); ++i) {
    const double s = share(users[i]);
    if (s < best_share) {
      best = i;
      best_share = s;
    }
  }
  return best;
}

}  // namespace p2pgrid::grid
