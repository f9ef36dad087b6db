#include "p2pgrid/match/can_match_candidates.hpp"

namespace p2pgrid::match {

CanRequirement can_requirement(const can::CapabilityModel& model, const grid::Resources& req) {
  CanRequirement out;
  for (std::size_t r = 0; r < grid::kResources; ++r) {
    if (req[r] == 0) continue;  // unconstrained: coordinate 0 (matchmaking-notes, "CAN coordinates")
    if (req[r] > model.max[r]) out.satisfiable = false;
    out.point.x[r] = can::coordinate_of(model, static_cast<can::Resource>(r), req[r]);
  }
  return out;
}

can::Point can_job_point(const can::CapabilityModel& model, const grid::Resources& req, RingId guid, int resources,
                         bool virtual_dim) {
  const CanRequirement r = can_requirement(model, req);
  can::Point p;
  for (int d = 0; d < resources; ++d) p.x[static_cast<std::size_t>(d)] = r.point.x[static_cast<std::size_t>(d)];
  // The GUID's high half: a hash, hence uniform in [0, 2^32).
  if (virtual_dim) p.x[static_cast<std::size_t>(resources)] = static_cast<std::uint32_t>(guid >> 32U);
  return p;
}

void CanAssignments::note(PeerId peer, Time heard) {
  Slot* target = nullptr;
  for (Slot& s : slots_) {
    if (s.peer == peer) {
      target = &s;
      break;
    }
  }
  if (target == nullptr) {
    // A free slot, else the one holding the oldest report (the first
    // such, so the choice is deterministic).
    target = &slots_[0];
    for (Slot& s : slots_) {
      if (!s.peer.valid()) {
        target = &s;
        break;
      }
      if (s.heard < target->heard) target = &s;
    }
    *target = {peer, heard, 0};
  }
  if (target->heard != heard) {
    // A newer report superseded what we counted against the old one.
    target->heard = heard;
    target->count = 0;
  }
  ++target->count;
}

std::uint32_t CanAssignments::extra(PeerId peer, Time heard) const {
  for (const Slot& s : slots_) {
    if (s.peer == peer) return s.heard == heard ? s.count : 0;
  }
  return 0;
}

CanChoice choose_can(const CanLocalView& view, const can::Point& requirement, const CanAssignments& assigned) {
  CanChoice best;
  for_each_can_candidate(view, requirement, assigned, [&](PeerId peer, std::uint32_t load) {
    ++best.candidates;
    if (!best.winner.valid() || load < best.load || (load == best.load && peer < best.winner)) {
      best.winner = peer;
      best.load = load;
    }
  });
  return best;
}

PeerId can_forward_target(std::span<const can::Zone> zones, const can::NeighbourTable& table,
                          const can::Point& requirement, Time alive_since, int resources, Rng* wander) {
  PeerId best = PeerId::none();
  std::uint64_t best_gap = 0;
  std::uint64_t seen = 0;
  for (const auto [n, their_zones] : table.with_zones()) {
    if (n.last_heard < alive_since) continue;
    bool above = false;
    for (const can::Zone& theirs : their_zones) {
      for (const can::Zone& mine : zones) {
        for (int d = 0; d < resources && !above; ++d) above = theirs.lo(d) >= mine.hi(d);
      }
    }
    if (!above) continue;
    if (wander != nullptr) {
      // Reservoir sampling: uniform over the neighbours above, one pass.
      if (wander->below(++seen) == 0) best = n.id;
      continue;
    }
    std::uint64_t gap = 0;
    for (int d = 0; d < resources; ++d) {
      const auto i = static_cast<std::size_t>(d);
      if (n.point.x[i] < requirement.x[i]) gap += requirement.x[i] - n.point.x[i];
    }
    // Neighbours come in id order: strict < keeps the lower id on ties.
    if (!best.valid() || gap < best_gap) {
      best = n.id;
      best_gap = gap;
    }
  }
  return best;
}

}  // namespace p2pgrid::match
