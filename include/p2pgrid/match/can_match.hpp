#pragma once
/// The CAN matchmakers (seed paper §3.2, §3.3; every rule and parameter in
/// docs/can-match.md), one component per peer stacked by
/// peer::GridPeer<CanJobOwners, CanMatch>:
///
/// - `can`: the job's owner is the zone owner of its requirement point
///   (plus a virtual coordinate). The decider picks the least loaded of
///   itself and its live neighbours whose capabilities meet every
///   constraint, on the load words the neighbours last reported in their
///   CAN updates (plus the jobs it sent them since). With no candidate it
///   forwards the job to a neighbour above it (at most max_forwards times).
/// - `can-push` (push = true): as `can`, and each peer keeps, per real
///   dimension, the aggregate load of the line of zones above it; the
///   decider pushes the job to its designated upper neighbour while that
///   line is lighter than threshold x the best local load (at most
///   max_pushes times). Pushes only go to capable neighbours.
///
/// A decider other than the owner answers the owner with a Result; every
/// Forward and Result counts in the job's matchmaking cost.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/match_port.hpp"
#include "p2pgrid/grid/pending_requests.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "p2pgrid/match/can_match_messages.hpp"
#include "p2pgrid/match/can_push_aggregates.hpp"
#include "p2pgrid/overlay/can/node.hpp"

namespace p2pgrid::match {

struct CanMatchParams {
  /// Forwards towards more capable zones when a decider has no candidate.
  std::uint32_t max_forwards = 8;
  /// An owner that handed a job on counts it unmatched after this without a Result.
  Duration answer_timeout = Duration::seconds(10);
  /// can-push: line aggregates and pushing on.
  bool push = false;
  /// Pushes per matching round.
  std::uint32_t max_pushes = 12;
  /// Push while line average < threshold * best local load.
  double push_threshold = 1.0;
  /// Aggregates go to the lower neighbours this often.
  Duration push_period = Duration::seconds(5);
  /// An aggregate not refreshed for this many periods is dropped.
  std::uint32_t expiry_periods = 3;
  /// Escalation: an owner's round r forwards up to max_forwards * (r + 1)
  /// times (at most 255), and from round 1 on each forward goes to a random
  /// neighbour above rather than the nearest one (docs/can-match.md).
  bool escalate = true;

  [[nodiscard]] Duration aggregate_lifetime() const { return push_period * expiry_periods; }
};

class CanMatch {
 public:
  /// Heap bytes beyond sizeof(CanMatch).
  [[nodiscard]] std::uint64_t heap_bytes() const { return pending_.heap_bytes(); }
  using Params = CanMatchParams;

  CanMatch(PeerId self, const CanMatchParams& params);

  void on_start(Context& ctx, const grid::GridNode& grid, const can::Node& can);
  /// Starts a round of matching here, the job's owner; answers through
  /// `port`, at once when this peer decides.
  void match(Context& ctx, const grid::MatchRequest& request, const grid::GridNode& grid, const can::Node& can,
             grid::MatchPort& port);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, const grid::GridNode& grid,
                  const can::Node& can, grid::MatchPort& port);
  void on_timer(Context& ctx, std::uint64_t tag, const grid::GridNode& grid, const can::Node& can,
                grid::MatchPort& port);
  void on_finish(Context& /*ctx*/, bool /*alive*/, const grid::GridNode& /*grid*/, const can::Node& /*can*/) {}

  /// can-push: this peer's line aggregate in `dim` as it would send it now (tests).
  [[nodiscard]] LineAggregate line(int dim, Time now, const grid::GridNode& grid, const can::Node& can) const;

  /// Checkpointed state (p2pgrid/core/fields.hpp); params_ and self_ are the configuration's.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("canmatch.assigned", s.assigned_);
    v("canmatch.above", s.above_);
    v("canmatch.pending", s.pending_);
  }

 private:
  enum class TimerKind : std::uint8_t { kAnswer = 1, kAggregate = 2 };
  struct Pending {
    std::uint64_t job;
    std::uint32_t attempt;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("canmatch.pending.job", s.job);
      v("canmatch.pending.attempt", s.attempt);
    }
  };
  /// The aggregate last heard from the designated upper neighbour.
  struct Above {
    PeerId from;
    LineAggregate line;
    Time heard;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("canmatch.above.from", s.from);
      v("canmatch.above.line", s.line);
      v("canmatch.above.heard", s.heard);
    }
  };

  void decide(Context& ctx, const canmatch::Forward& f, const grid::GridNode& grid, const can::Node& can,
              grid::MatchPort& port);
  void hand_on(Context& ctx, canmatch::Forward f, PeerId to, bool push);
  void answer(Context& ctx, const canmatch::Forward& f, PeerId node, bool unmatchable, grid::MatchPort& port);
  void on_result(Context& ctx, const canmatch::Result& m, grid::MatchPort& port);
  [[nodiscard]] std::uint32_t forward_budget(const canmatch::Forward& f) const;
  void on_aggregate(Context& ctx, PeerId from, const canmatch::Aggregate& m, const can::Node& can);
  void send_aggregates(Context& ctx, const grid::GridNode& grid, const can::Node& can);
  [[nodiscard]] LineAggregate above(int dim, PeerId upper, Time now) const;
  void send(Context& ctx, PeerId to, const canmatch::Message& m) const;

  const CanMatchParams* params_;
  PeerId self_;
  CanAssignments assigned_;
  std::array<Above, grid::kResources> above_{};
  /// Jobs this owner handed on, waiting for their Result.
  grid::PendingRequests<Pending> pending_{ProtocolId::kMatch, static_cast<std::uint8_t>(TimerKind::kAnswer)};
};

}  // namespace p2pgrid::match
