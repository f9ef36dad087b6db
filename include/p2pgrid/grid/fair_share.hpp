#pragma once
/// Fair sharing between users at one run node (docs/fairness.md): the run
/// node remembers how much run time it gave each user, decayed with a
/// half-life, and starts next the queued job whose user has the least of
/// it, divided by the user's weight (weighted fair queuing). A user who has
/// had nothing here lately goes ahead of one who has had hours, without any
/// server: each node learns only from the jobs it runs.
///
/// Usage is charged when a job starts (its run time here, whole), so two
/// jobs of a newcomer do not both overtake the queue on one empty account.
///
/// The same accounts serve the central variant (QueuePolicy::kFairGlobal):
/// the server charges every start in the grid, and a run node overwrites its
/// accounts with the server's figures (set) as they arrive.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid::grid {

/// A user's share relative to others (> 0); null: every user weighs 1.
using UserWeights = std::function<double(std::uint32_t user)>;

class FairShare {
 public:
  /// `half_life` > 0: usage halves every half_life of simulated time.
  explicit FairShare(Duration half_life);
  [[nodiscard]] std::uint64_t heap_bytes() const { return capacity_bytes(accounts_); }

  /// User `user` was given `work` of this node at `now`.
  void charge(std::uint32_t user, Duration work, Time now);
  /// The user's usage is `usage_s` as of `now` (what the server reported).
  void set(std::uint32_t user, double usage_s, Time now);
  /// The user's usage decayed to `now`, in seconds of run time.
  [[nodiscard]] double usage(std::uint32_t user, Time now) const;
  /// Index into `users` (the queued jobs' users, in arrival order) of the
  /// job to start next: the least usage / weight; the earliest on a tie.
  /// `users` must not be empty.
  [[nodiscard]] std::size_t pick(std::span<const std::uint32_t> users, Time now,
                                 const UserWeights& weights = {}) const;

  /// Checkpointed state (p2pgrid/core/fields.hpp); half_life_ is the configuration's.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("fair.accounts", s.accounts_, kMaxStateList);
  }

 private:
  struct Account {
    std::uint32_t user;
    double usage_s;  ///< as of `at`
    Time at;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("fair.account.user", s.user);
      v("fair.account.usage_s", s.usage_s);
      v("fair.account.at", s.at);
    }
  };
  [[nodiscard]] double decayed(const Account& a, Time now) const;
  Account* find(std::uint32_t user);
  void add(std::uint32_t user, double usage_s, Time now);

  Duration half_life_;
  std::vector<Account> accounts_;  ///< one per user seen here; a run node sees few users
};

}  // namespace p2pgrid::grid
