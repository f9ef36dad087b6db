#pragma once
/// The pure parts of CAN matchmaking (seed paper §3.2, docs/can-match.md):
/// where a job goes in the CAN space, which nodes may run it, and which of
/// them the zone owner picks. No Context: unit-tested and benchmarked alone.
///
/// Coordinates are exact comparisons of values: coordinate_of is strictly
/// increasing on each resource's [min, max] range (a step of one unit moves
/// the coordinate by at least 2^32 / range >= 1), and every node's value lies
/// in that range. A requirement above the range's max is unsatisfiable and
/// is flagged rather than clamped (clamping would let a node at max pass).

#include <array>
#include <cstdint>
#include <span>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/can/neighbour_table.hpp"

namespace p2pgrid::match {

/// A job's minimum requirements as a point of the real dimensions.
struct CanRequirement {
  can::Point point;         ///< coordinate of each constrained minimum; 0 where unconstrained; virtual 0
  bool satisfiable = true;  ///< false: some minimum exceeds what any node of the model has
};

/// The requirement point of `req` (seed paper §3.2: requirements as coordinates).
CanRequirement can_requirement(const can::CapabilityModel& model, const grid::Resources& req);

/// Where a job is routed: its requirement point plus, with the virtual
/// dimension, a virtual coordinate from the job's GUID (uniform because the
/// GUID is a hash; a new GUID per attempt lands a resubmission elsewhere).
can::Point can_job_point(const can::CapabilityModel& model, const grid::Resources& req, RingId guid, int resources,
                         bool virtual_dim);

/// True when `p` is at least `q` in each of the first `resources` dimensions
/// (the virtual one is not a capability and is ignored).
constexpr bool dominates(const can::Point& p, const can::Point& q, int resources) {
  for (int d = 0; d < resources; ++d) {
    if (p.x[static_cast<std::size_t>(d)] < q.x[static_cast<std::size_t>(d)]) return false;
  }
  return true;
}

/// Jobs a decider assigned to each neighbour since that neighbour's last
/// load report: reported load + these is the load used, so a burst of jobs
/// between two reports does not all go to the one that looked idle (the
/// same correction the central server applies, docs/can-match.md). A few
/// fixed slots; the oldest is reused when full.
class CanAssignments {
 public:
  static constexpr std::size_t kSlots = 16;

  /// One more job sent to `peer`, whose last report arrived at `heard`.
  void note(PeerId peer, Time heard);
  /// Jobs sent to `peer` since its report of `heard` (0 once a newer one came).
  [[nodiscard]] std::uint32_t extra(PeerId peer, Time heard) const;

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("canmatch.assigned", s.slots_);
  }

 private:
  struct Slot {
    PeerId peer;
    Time heard;
    std::uint32_t count = 0;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("canmatch.assigned.peer", s.peer);
      v("canmatch.assigned.heard", s.heard);
      v("canmatch.assigned.count", s.count);
    }
  };
  std::array<Slot, kSlots> slots_{};
};

/// The decider's own entry and what it knows of its neighbours.
struct CanLocalView {
  PeerId self;
  bool self_capable = false;   ///< exact test on the decider's own capabilities
  std::uint32_t self_load = 0; ///< its current queue (waiting + running)
  std::span<const can::Neighbour> neighbours;
  Time alive_since;            ///< neighbours heard before this are presumed dead and skipped
  int resources = can::kResources;
};

/// Candidate selection: calls f(peer, load) for the decider if capable and
/// for every live neighbour whose capabilities point dominates the
/// requirement point; load is the last reported word plus `assigned`.
template <class F>
void for_each_can_candidate(const CanLocalView& view, const can::Point& requirement, const CanAssignments& assigned,
                            F&& f) {
  if (view.self_capable) f(view.self, view.self_load);
  for (const can::Neighbour& n : view.neighbours) {
    if (n.last_heard < view.alive_since || !dominates(n.point, requirement, view.resources)) continue;
    f(n.id, n.load + assigned.extra(n.id, n.last_heard));
  }
}

struct CanChoice {
  PeerId winner = PeerId::none();  ///< none: no candidate
  std::uint32_t load = 0;          ///< the winner's load as the decider sees it
  std::uint32_t candidates = 0;
};

/// The least loaded candidate, ties to the lower peer id.
CanChoice choose_can(const CanLocalView& view, const can::Point& requirement, const CanAssignments& assigned);

/// With no candidate: the live neighbour to forward the job to, one lying
/// above this decider's zones in some real dimension, whose capabilities
/// point falls shortest of the requirement (sum over real dimensions of the
/// shortfall; ties to the lower id). `zones` are the decider's. None if no
/// neighbour lies above. With `wander` (an escalated round), a uniformly
/// random one of the neighbours above instead: repeated rounds then try
/// other paths into the more capable zones rather than the same one.
PeerId can_forward_target(std::span<const can::Zone> zones, const can::NeighbourTable& table,
                          const can::Point& requirement, Time alive_since, int resources, Rng* wander = nullptr);

}  // namespace p2pgrid::match
