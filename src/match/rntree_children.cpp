#include "p2pgrid/match/rntree_children.hpp"

#include <algorithm>

namespace p2pgrid::match {
namespace {

bool better(const ChildRef& a, const ChildRef& b) {
  return a.min_queue != b.min_queue ? a.min_queue < b.min_queue : a.peer < b.peer;
}

}  // namespace

void RnTreeChildren::heard(PeerId child, const SubtreeSummary& summary, Time now) {
  const auto it = std::lower_bound(children_.begin(), children_.end(), child,
                                   [](const Child& c, PeerId p) { return c.peer < p; });
  if (it != children_.end() && it->peer == child) {
    it->summary = summary;
    it->heard = now;
    return;
  }
  children_.insert(it, Child{child, summary, now});
}

void RnTreeChildren::expire(Time now, Duration lifetime) {
  std::erase_if(children_, [&](const Child& c) { return now - c.heard > lifetime; });
}

void RnTreeChildren::remove(PeerId child) {
  std::erase_if(children_, [&](const Child& c) { return c.peer == child; });
}

SubtreeSummary RnTreeChildren::aggregate(const grid::Resources& own, std::uint32_t own_queue) const {
  SubtreeSummary s{own, 1, own_queue};
  for (const Child& c : children_) {
    for (std::size_t r = 0; r < grid::kResources; ++r) s.max[r] = std::max(s.max[r], c.summary.max[r]);
    s.size += c.summary.size;
    s.min_queue = std::min(s.min_queue, c.summary.min_queue);
  }
  return s;
}

std::size_t RnTreeChildren::capable(const grid::Resources& requirements, PeerId exclude,
                                    std::span<ChildRef> out) const {
  // Bounded insertion into `out`, kept sorted best first: no allocation,
  // and when more children qualify than fit, the worst ones fall off.
  std::size_t n = 0;
  for (const Child& c : children_) {
    if (c.peer == exclude || !grid::satisfies(c.summary.max, requirements)) continue;
    const ChildRef ref{c.peer, c.summary.min_queue};
    std::size_t at = n;
    while (at > 0 && better(ref, out[at - 1])) --at;
    if (at >= out.size()) continue;
    const std::size_t last = std::min(n, out.size() - 1);
    for (std::size_t i = last; i > at; --i) out[i] = out[i - 1];
    out[at] = ref;
    if (n < out.size()) ++n;
  }
  return n;
}

}  // namespace p2pgrid::match
