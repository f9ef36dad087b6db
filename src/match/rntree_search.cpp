#include "p2pgrid/match/rntree_search.hpp"

#include <algorithm>

namespace p2pgrid::match {

PeerId least_loaded(std::span<const Candidate> candidates) {
  const Candidate* best = nullptr;
  for (const Candidate& c : candidates) {
    if (best == nullptr || c.queue < best->queue || (c.queue == best->queue && c.peer < best->peer)) best = &c;
  }
  return best == nullptr ? PeerId::none() : best->peer;
}

void RnTreeSearch::begin(const grid::Resources& requirements, std::uint32_t k, std::uint32_t max_visits) {
  requirements_ = requirements;
  k_ = std::max<std::uint32_t>(k, 1);
  max_visits_ = max_visits;
  visits_ = 0;
  timeouts_ = 0;
  stack_.clear();
  candidates_.clear();
  searched_ = PeerId::none();
  ancestor_ = PeerId::none();
  climbing_ = false;
  exhausted_ = false;
}

void RnTreeSearch::consider(const NodeReport& report) {
  if (!grid::satisfies(report.capabilities, requirements_)) return;
  // A node reached twice (the tree changed under the search) counts once.
  const bool known = std::any_of(candidates_.begin(), candidates_.end(),
                                 [&](const Candidate& c) { return c.peer == report.node; });
  if (!known) candidates_.push_back({report.node, report.queue});
}

void RnTreeSearch::push_children(std::span<const ChildRef> children) {
  // Reversed, so the best child is searched first (depth-first).
  for (auto it = children.rbegin(); it != children.rend(); ++it) stack_.push_back(it->peer);
}

RnTreeSearch::Step RnTreeSearch::start(const NodeReport& origin) {
  consider(origin);
  push_children(origin.children);
  searched_ = origin.node;
  ancestor_ = origin.parent;
  return next();
}

RnTreeSearch::Step RnTreeSearch::on_report(const NodeReport& report) {
  consider(report);
  push_children(report.children);
  if (climbing_) {
    // The ancestor's own answer excluded the subtree we came from; once its
    // other children are searched, its whole subtree is.
    searched_ = report.node;
    ancestor_ = report.parent;
  }
  return next();
}

RnTreeSearch::Step RnTreeSearch::on_timeout() {
  ++timeouts_;
  if (climbing_) ancestor_ = PeerId::none();
  return next();
}

RnTreeSearch::Step RnTreeSearch::next() {
  climbing_ = false;
  if (candidates_.size() >= k_ || visits_ >= max_visits_) return {};
  if (!stack_.empty()) {
    const PeerId p = stack_.back();
    stack_.pop_back();
    ++visits_;
    return {p, PeerId::none()};
  }
  // Guard against a parent that points back at the origin's own subtree
  // root (impossible while parents strictly approach the root key, but
  // cheap to rule out).
  if (ancestor_.valid() && ancestor_ != searched_) {
    climbing_ = true;
    ++visits_;
    return {ancestor_, searched_};
  }
  exhausted_ = true;
  return {};
}

}  // namespace p2pgrid::match
