#pragma once
/// What the job roles of a peer need from the rest of that peer's stack:
/// the overlay (to reach a job's owner) and the matchmaker. The peer stack
/// (peer::GridPeer) implements it; nothing here reaches another peer.

#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/grid/match_port.hpp"

namespace p2pgrid::grid {

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
  /// Starts one round of matchmaking. The answer reaches
  /// GridNode::on_match_answer on this peer after the current handler of
  /// the matchmaker returns (maybe within this call, never re-entrantly).
  virtual void match(Context& ctx, const MatchRequest& request) = 0;
};

}  // namespace p2pgrid::grid
