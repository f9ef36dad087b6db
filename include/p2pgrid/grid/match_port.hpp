#pragma once
/// The contract between the job layer and a matchmaker, on one peer.
///
/// The job layer (the owner of a job) asks for a run node with a
/// MatchRequest. The matchmaker answers, now or in a later handler, by
/// posting a MatchAnswer to the MatchPort it is handed; the peer stack
/// applies the answers to the job layer after the matchmaker's handler has
/// returned, so a matchmaker never re-enters the job layer (or itself)
/// in the middle of its own handler. Every request gets exactly one answer
/// unless this peer crashes; the owner also bounds each round with
/// match.round_timeout, so a matchmaker that loses a request cannot leave a
/// job waiting for ever.

#include <array>
#include <cstdint>
#include <stdexcept>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

/// What a matchmaking round cost.
struct MatchCost {
  std::uint32_t hops = 0;
  std::uint32_t messages = 0;
};

/// One round of matchmaking for one attempt of a job.
struct MatchRequest {
  JobProfile profile;
  /// Rounds already tried for this job in this episode (0: the first):
  /// a matchmaker may search wider as it grows (CAN escalates).
  std::uint32_t round = 0;
};

enum class MatchVerdict : std::uint8_t {
  kMatched,      ///< `node` satisfies the job and was chosen
  kNotNow,       ///< nothing found this round (stale state, lost messages, busy search); try again
  kUnmatchable,  ///< as far as the matchmaker can tell, no node satisfies the job
};

struct MatchAnswer {
  std::uint64_t job = 0;
  std::uint32_t attempt = 0;
  MatchVerdict verdict = MatchVerdict::kNotNow;
  PeerId node;  ///< kMatched only
  MatchCost cost;
};

/// Where a matchmaker's handler posts its answers. A handler answers at
/// most a few requests (one per request it finishes), so a fixed array.
class MatchPort {
 public:
  static constexpr std::size_t kCapacity = 8;

  void matched(std::uint64_t job, std::uint32_t attempt, PeerId node, MatchCost cost) {
    post({job, attempt, MatchVerdict::kMatched, node, cost});
  }
  void not_now(std::uint64_t job, std::uint32_t attempt, MatchCost cost) {
    post({job, attempt, MatchVerdict::kNotNow, PeerId::none(), cost});
  }
  void unmatchable(std::uint64_t job, std::uint32_t attempt, MatchCost cost) {
    post({job, attempt, MatchVerdict::kUnmatchable, PeerId::none(), cost});
  }
  void post(const MatchAnswer& a) {
    if (size_ == kCapacity) throw std::logic_error("MatchPort: more answers in one handler than it holds");
    answers_[size_++] = a;
  }

  /// Hands every posted answer to `apply`, in posting order, and empties the port.
  template <class F>
  void drain(F&& apply) {
    // apply may post again (a retry answered at once): take a copy first.
    while (size_ > 0) {
      const std::size_t n = size_;
      std::array<MatchAnswer, kCapacity> batch = answers_;
      size_ = 0;
      for (std::size_t i = 0; i < n; ++i) apply(batch[i]);
    }
  }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  std::array<MatchAnswer, kCapacity> answers_{};
  std::size_t size_ = 0;
};

}  // namespace p2pgrid::grid
