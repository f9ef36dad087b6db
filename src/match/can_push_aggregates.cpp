#include "p2pgrid/match/can_push_aggregates.hpp"

#include <limits>

namespace p2pgrid::match {

LineAggregate extend_line(LineAggregate above, std::uint32_t own_load) {
  constexpr std::uint32_t kMax = std::numeric_limits<std::uint32_t>::max();
  LineAggregate out;
  out.count = above.count == kMax ? kMax : above.count + 1;
  out.total = above.total > kMax - own_load ? kMax : above.total + own_load;
  return out;
}

bool upper_probe_point(const can::Zone& zone, int dim, int dims, can::Point& out) {
  if (zone.hi(dim) >= can::kSpan) return false;
  for (int k = 0; k < dims; ++k) {
    const auto i = static_cast<std::size_t>(k);
    out.x[i] = k == dim ? static_cast<std::uint32_t>(zone.hi(k))
                        : static_cast<std::uint32_t>(zone.lo(k) + zone.width(k) / 2);
  }
  return true;
}

PeerId upper_in(const can::Zone& zone, int dim, int dims, const can::NeighbourTable& table, Time alive_since) {
  can::Point probe;
  if (!upper_probe_point(zone, dim, dims, probe)) return PeerId::none();
  for (const auto [n, zones] : table.with_zones()) {
    if (n.last_heard < alive_since) continue;
    for (const can::Zone& z : zones) {
      if (z.contains(probe)) return n.id;
    }
  }
  return PeerId::none();
}

bool is_upper_of(std::span<const can::Zone> mine, std::span<const can::Zone> their, int dim, int dims) {
  if (their.empty()) return false;
  can::Point probe;
  // The neighbour designates from its first zone (CanMatch does the same).
  if (!upper_probe_point(their.front(), dim, dims, probe)) return false;
  for (const can::Zone& z : mine) {
    if (z.contains(probe)) return true;
  }
  return false;
}

PushDecision decide_push(std::span<const PushOption> options, std::uint32_t local_load, double threshold) {
  PushDecision best;
  const PushOption* chosen = nullptr;
  for (std::size_t d = 0; d < options.size(); ++d) {
    const PushOption& o = options[d];
    if (!o.upper.valid() || !o.capable || o.line.count == 0) continue;
    const double avg = static_cast<double>(o.line.total) / static_cast<double>(o.line.count);
    if (!(avg < threshold * static_cast<double>(local_load))) continue;
    // Lighter average: total_a / count_a < total_b / count_b, exactly.
    if (chosen == nullptr || std::uint64_t{o.line.total} * chosen->line.count <
                                 std::uint64_t{chosen->line.total} * o.line.count) {
      chosen = &o;
      best = {o.upper, static_cast<int>(d)};
    }
  }
  return best;
}

}  // namespace p2pgrid::match
