#pragma once
/// What the job roles of a peer need from the rest of that peer's stack:
/// the overlay (to reach a job's owner) and the matchmaker. The composed
/// per-peer stack implements it; nothing here reaches another peer.

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

/// What a matchmaking round cost.
struct MatchCost {
  std::uint32_t hops = 0;
  std::uint32_t messages = 0;
};

class Host {
 public:
  Host() = default;
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;
  virtual ~Host() = default;

  /// Delivers `payload` (a grid message) at the owner of `job` through the
  /// overlay; the owner's stack hands it to GridNode::on_routed. Best
  /// effort: end-to-end timeouts above recover from losses.
  virtual void route_to_owner(Context& ctx, const JobProfile& job, std::span<const std::byte> payload) = 0;
  /// Starts finding a run node for `job`; the answer comes back through
  /// GridNode::matched or GridNode::unmatched on this same peer.
  virtual void match(Context& ctx, const JobProfile& job) = 0;
};

}  // namespace p2pgrid::grid
