#include "p2pgrid/match/rntree.hpp"

#include <algorithm>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/match/rntree_record.hpp"

namespace p2pgrid::match {
namespace {

using rntree::kMaxReplyChildren;

std::uint64_t tag(std::uint8_t kind) { return grid::nonce_tag(ProtocolId::kMatch, kind, 0); }

}  // namespace

std::uint32_t RnTreeParams::visit_budget(std::uint32_t round) const {
  std::uint64_t budget = max_visits;
  for (std::uint32_t r = 0; r < round && budget < kMaxVisitBudget && visit_growth > 1; ++r) budget *= visit_growth;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(budget, kMaxVisitBudget));
}

RnTree::RnTree(PeerId self, const RnTreeParams& params) : params_(&params), self_(self) {}

void RnTree::send(Context& ctx, PeerId to, const rntree::Message& m) const {
  std::array<std::byte, rntree::kMaxMessageSize> buffer{};
  ctx.send(to, rntree::encode(m, buffer));
}

void RnTree::on_start(Context& ctx, const grid::GridNode& /*grid*/, const chord::Node& /*chord*/) {
  // First summary after a uniform phase so peers that start together do
  // not all report in the same instant.
  const auto period = static_cast<std::uint64_t>(params_->aggregation_period.ns);
  const Duration phase{static_cast<std::int64_t>(ctx.rng().below(period))};
  ctx.set_timer(phase, tag(static_cast<std::uint8_t>(TimerKind::kSummary)));
}

PeerId RnTree::current_parent(const chord::Node& chord) const {
  std::array<PeerId, kMaxSuspects> avoid{};
  for (std::size_t i = 0; i < kMaxSuspects; ++i) avoid[i] = suspects_[i].peer;
  return choose_parent(chord, avoid);
}

void RnTree::suspect(PeerId p, Time until) {
  // Replace a free or the soonest-expiring entry.
  Suspect* slot = &suspects_[0];
  for (Suspect& s : suspects_) {
    if (!s.peer.valid()) {
      slot = &s;
      break;
    }
    if (s.until < slot->until) slot = &s;
  }
  *slot = {p, until};
}

// --- Aggregation -------------------------------------------------------------

void RnTree::on_summary_timer(Context& ctx, const grid::GridNode& grid, const chord::Node& chord) {
  const Time now = ctx.now();
  children_.expire(now, params_->lifetime());
  for (Suspect& s : suspects_) {
    if (s.peer.valid() && s.until <= now) s = {};
  }
  PeerId p = current_parent(chord);
  if (p != parent_) {
    parent_ = p;
    last_ack_ = now;  // a new parent gets a full lifetime to acknowledge
  } else if (p.valid() && now - last_ack_ > params_->lifetime()) {
    // Summaries into silence: the parent is presumed dead (Chord may keep a
    // dead finger until fix_fingers reaches it). Take the next best entry.
    suspect(p, now + params_->aggregation_period * params_->suspect_periods);
    parent_ = current_parent(chord);
    last_ack_ = now;
  }
  if (parent_.valid()) {
    send(ctx, parent_, rntree::Summary{children_.aggregate(grid.capabilities(), grid.queue_length())});
  }
  ctx.set_timer(params_->aggregation_period, tag(static_cast<std::uint8_t>(TimerKind::kSummary)));
}

// --- Matching ----------------------------------------------------------------

PeerId RnTree::random_neighbour(Context& ctx, const chord::Node& chord) const {
  // Uniform over the distinct peers in this peer's own routing state.
  std::array<PeerId, chord::FingerTable::kSize + chord::SuccessorList::kMax> seen{};
  std::size_t n = 0;
  const auto add = [&](PeerId p) {
    if (!p.valid() || p == self_ || std::find(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(n), p) !=
                                        seen.begin() + static_cast<std::ptrdiff_t>(n)) {
      return;
    }
    seen[n++] = p;
  };
  for (const PeerId s : chord.successors()) add(s);
  for (const PeerId f : chord.fingers().entries()) add(f);
  if (n == 0) return PeerId::none();
  return seen[ctx.rng().below(n)];
}

void RnTree::match(Context& ctx, const grid::MatchRequest& request, const grid::GridNode& grid,
                   const chord::Node& chord, grid::MatchPort& port) {
  const grid::JobProfile& job = request.profile;
  // The owner is the GUID's successor, already a uniformly random peer; the
  // optional walk moves the search's starting point further (paper §3.1).
  rntree::Walk origin{self_, 0, job.job, job.attempt, job.requirements, params_->walk_length, 0,
                      params_->visit_budget(request.round)};
  const PeerId next = params_->walk_length > 0 ? random_neighbour(ctx, chord) : PeerId::none();
  if (!next.valid()) {
    begin_search(ctx, origin, grid, chord, port);
    return;
  }
  origin.owner_nonce = awaiting_.add(ctx, Awaiting{job.job, job.attempt, 1}, params_->search_timeout);
  origin.steps_left = params_->walk_length - 1;
  origin.hops = 1;
  send(ctx, next, origin);
}

void RnTree::on_walk(Context& ctx, const rntree::Walk& m, const grid::GridNode& grid, const chord::Node& chord,
                     grid::MatchPort& port) {
  const PeerId next = m.steps_left > 0 ? random_neighbour(ctx, chord) : PeerId::none();
  if (!next.valid()) {
    begin_search(ctx, m, grid, chord, port);
    return;
  }
  rntree::Walk forward = m;
  --forward.steps_left;
  ++forward.hops;
  send(ctx, next, forward);
}

void RnTree::begin_search(Context& ctx, const rntree::Walk& origin, const grid::GridNode& grid,
                          const chord::Node& chord, grid::MatchPort& port) {
  auto it = std::find_if(searches_.begin(), searches_.end(), [](const Search& s) { return !s.active; });
  if (it == searches_.end()) it = searches_.insert(searches_.end(), Search{});
  const auto slot = static_cast<std::size_t>(it - searches_.begin());
  Search& s = *it;
  s.active = true;
  s.job = origin.job;
  s.attempt = origin.attempt;
  s.owner = origin.owner;
  s.owner_nonce = origin.owner_nonce;
  s.hops = origin.hops;
  s.messages = origin.hops;  // one message per walk hop
  s.asked = PeerId::none();
  // The budget came over the wire after a walk: bounded here as at its source.
  s.state.begin(origin.requirements, params_->k, std::min(origin.budget, RnTreeParams::kMaxVisitBudget));
  // The origin is the first node of its own subtree: no message needed.
  children_.expire(ctx.now(), params_->lifetime());
  std::array<ChildRef, kMaxReplyChildren> buffer{};
  const std::size_t n = children_.capable(origin.requirements, PeerId::none(), buffer);
  const NodeReport self{self_, grid.capabilities(), grid.queue_length(), current_parent(chord),
                        std::span<const ChildRef>(buffer.data(), n)};
  drive(ctx, slot, s.state.start(self), port);
}

void RnTree::drive(Context& ctx, std::size_t slot, RnTreeSearch::Step step, grid::MatchPort& port) {
  Search& s = searches_[slot];
  if (!step.done()) {
    // The question carries the job's requirements, so the node asked lists
    // only children whose subtree maxima can satisfy them (the pruning that
    // makes the RN-Tree search cheap), and its timeout skips a dead node.
    s.nonce = visits_.add(ctx, slot, params_->visit_timeout);
    s.asked = step.ask;
    ++s.hops;
    ++s.messages;
    send(ctx, step.ask, rntree::Explore{s.nonce, s.state.requirements(), step.exclude});
    return;
  }
  s.active = false;
  const PeerId winner = s.state.winner();
  const bool covered = !winner.valid() && s.state.covered();
  if (s.owner == self_) {
    finish(s.job, s.attempt, winner, covered, {s.hops, s.messages}, port);
  } else {
    send(ctx, s.owner, rntree::Found{s.owner_nonce, s.job, s.attempt, winner, s.hops, s.messages + 1, covered});
  }
}

void RnTree::finish(std::uint64_t job, std::uint32_t attempt, PeerId winner, bool covered, grid::MatchCost cost,
                    grid::MatchPort& port) {
  if (winner.valid()) {
    port.matched(job, attempt, winner, cost);
  } else if (covered) {
    port.unmatchable(job, attempt, cost);
  } else {
    port.not_now(job, attempt, cost);  // the owner retries after grid.match_retry
  }
}

void RnTree::on_explore(Context& ctx, PeerId from, const rntree::Explore& m, const grid::GridNode& grid,
                        const chord::Node& chord) {
  children_.expire(ctx.now(), params_->lifetime());
  rntree::ExploreReply r;
  r.nonce = m.nonce;
  r.capabilities = grid.capabilities();
  r.queue = grid.queue_length();
  r.parent = current_parent(chord);
  r.count = static_cast<std::uint32_t>(children_.capable(m.requirements, m.exclude, r.children));
  send(ctx, from, r);
}

void RnTree::on_reply(Context& ctx, PeerId from, const rntree::ExploreReply& m, grid::MatchPort& port) {
  const auto* visit = visits_.find(m.nonce);
  if (visit == nullptr) return;  // late: that question timed out already
  const std::size_t slot = visit->value;
  if (!searches_[slot].active || searches_[slot].asked != from) return;
  visits_.answer(ctx, m.nonce);
  ++searches_[slot].messages;
  const NodeReport report{from, m.capabilities, m.queue, m.parent, m.listed()};
  drive(ctx, slot, searches_[slot].state.on_report(report), port);
}

void RnTree::on_found(Context& ctx, const rntree::Found& m, grid::MatchPort& port) {
  const auto* a = awaiting_.find(m.owner_nonce);
  if (a == nullptr || a->value.job != m.job || a->value.attempt != m.attempt) return;  // gave up on it already
  awaiting_.answer(ctx, m.owner_nonce);
  finish(m.job, m.attempt, m.winner, m.covered, {m.hops, m.messages}, port);
}

void RnTree::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, const grid::GridNode& grid,
                        const chord::Node& chord, grid::MatchPort& port) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, rntree::Summary>) {
          children_.heard(from, m.summary, ctx.now());
          send(ctx, from, rntree::SummaryAck{});
        } else if constexpr (std::is_same_v<T, rntree::SummaryAck>) {
          if (from == parent_) last_ack_ = ctx.now();
        } else if constexpr (std::is_same_v<T, rntree::Walk>) {
          on_walk(ctx, m, grid, chord, port);
        } else if constexpr (std::is_same_v<T, rntree::Explore>) {
          on_explore(ctx, from, m, grid, chord);
        } else if constexpr (std::is_same_v<T, rntree::ExploreReply>) {
          on_reply(ctx, from, m, port);
        } else {
          on_found(ctx, m, port);
        }
      },
      rntree::decode(bytes));
}

void RnTree::on_timer(Context& ctx, std::uint64_t t, const grid::GridNode& grid, const chord::Node& chord,
                      grid::MatchPort& port) {
  if (visits_.owns(t)) {
    // The node asked did not answer (dead, or a message was lost): its
    // subtree is skipped; the request was counted when it was sent.
    if (const auto slot = visits_.expire(t)) {
      if (searches_[*slot].active) drive(ctx, *slot, searches_[*slot].state.on_timeout(), port);
    }
    return;
  }
  if (awaiting_.owns(t)) {
    // The walk or the search was lost (a peer on the way died): nothing
    // this round. Only its own hop is known to the owner.
    if (const auto a = awaiting_.expire(t)) port.not_now(a->job, a->attempt, {a->walk, a->walk});
    return;
  }
  on_summary_timer(ctx, grid, chord);
}

void RnTree::on_finish(Context& ctx, bool alive, const grid::GridNode& grid, const chord::Node& chord) {
  if (!alive) return;
  children_.expire(ctx.now(), params_->lifetime());
  const SubtreeSummary s = children_.aggregate(grid.capabilities(), grid.queue_length());
  RnTreeParentRecord r{};
  r.peer = self_.value;
  r.parent = parent_.value;
  r.joined = chord.joined() ? 1 : 0;
  r.root = chord.joined() && is_rntree_root(chord) ? 1 : 0;
  r.subtree_size = s.size;
  r.children = static_cast<std::uint32_t>(children_.size());
  r.max_cpu = s.max[0];
  r.max_memory = s.max[1];
  r.max_disk = s.max[2];
  ctx.trace().record(r);
}

}  // namespace p2pgrid::match
