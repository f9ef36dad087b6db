#include "p2pgrid/match/rntree.hpp"

#include <algorithm>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/match/rntree_record.hpp"

namespace p2pgrid::match {
namespace {

using rntree::kMaxReplyChildren;

std::uint64_t tag(std::uint8_t kind, std::uint64_t value = 0) {
  return timer_tag(ProtocolId::kMatch, (value << 8U) | kind);
}

}  // namespace

RnTree::RnTree(PeerId self, const RnTreeParams& params) : params_(&params), self_(self) {}

void RnTree::send(Context& ctx, PeerId to, const rntree::Message& m) const {
  std::array<std::byte, rntree::kMaxMessageSize> buffer{};
  ctx.send(to, rntree::encode(m, buffer));
}

void RnTree::on_start(Context& ctx, const grid::GridNode& /*grid*/) {
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

void RnTree::match(Context& ctx, const grid::JobProfile& job, grid::GridNode& grid, const chord::Node& chord) {
  // The owner is the GUID's successor, already a uniformly random peer; the
  // optional walk moves the search's starting point further (paper §3.1).
  rntree::Walk origin{self_, ++nonce_, job.job, job.attempt, job.requirements, params_->walk_length, 0};
  const PeerId next = params_->walk_length > 0 ? random_neighbour(ctx, chord) : PeerId::none();
  if (!next.valid()) {
    begin_search(ctx, origin, grid, chord);
    return;
  }
  origin.steps_left = params_->walk_length - 1;
  origin.hops = 1;
  send(ctx, next, origin);
  const TimerId timer =
      ctx.set_timer(params_->search_timeout, tag(static_cast<std::uint8_t>(TimerKind::kAwait), origin.owner_nonce));
  awaiting_.push_back({job.job, job.attempt, origin.owner_nonce, 1, timer});
}

void RnTree::on_walk(Context& ctx, const rntree::Walk& m, grid::GridNode& grid, const chord::Node& chord) {
  const PeerId next = m.steps_left > 0 ? random_neighbour(ctx, chord) : PeerId::none();
  if (!next.valid()) {
    begin_search(ctx, m, grid, chord);
    return;
  }
  rntree::Walk forward = m;
  --forward.steps_left;
  ++forward.hops;
  send(ctx, next, forward);
}

void RnTree::begin_search(Context& ctx, const rntree::Walk& origin, grid::GridNode& grid, const chord::Node& chord) {
  auto it = std::find_if(searches_.begin(), searches_.end(), [](const Search& s) { return !s.active; });
  if (it == searches_.end()) it = searches_.insert(searches_.end(), Search{});
  Search& s = *it;
  s.active = true;
  s.job = origin.job;
  s.attempt = origin.attempt;
  s.owner = origin.owner;
  s.owner_nonce = origin.owner_nonce;
  s.hops = origin.hops;
  s.messages = origin.hops;  // one message per walk hop
  s.asked = PeerId::none();
  s.state.begin(origin.requirements, params_->k, params_->max_visits);
  // The origin is the first node of its own subtree: no message needed.
  children_.expire(ctx.now(), params_->lifetime());
  std::array<ChildRef, kMaxReplyChildren> buffer{};
  const std::size_t n = children_.capable(origin.requirements, PeerId::none(), buffer);
  const NodeReport self{self_, grid.capabilities(), grid.queue_length(), current_parent(chord),
                        std::span<const ChildRef>(buffer.data(), n)};
  drive(ctx, s, s.state.start(self), grid);
}

void RnTree::drive(Context& ctx, Search& s, RnTreeSearch::Step step, grid::GridNode& grid) {
  if (!step.done()) {
    s.nonce = ++nonce_;
    s.asked = step.ask;
    ++s.hops;
    ++s.messages;
    send(ctx, step.ask, rntree::Explore{s.nonce, {}, step.exclude});
    return;
  }
  // Free the slot before answering: the grid's handlers may start another
  // search on this peer.
  s.active = false;
  const PeerId winner = s.state.winner();
  if (s.owner == self_) {
    finish(ctx, s.job, s.attempt, winner, {s.hops, s.messages}, grid);
  } else {
    send(ctx, s.owner, rntree::Found{s.owner_nonce, s.job, s.attempt, winner, s.hops, s.messages + 1});
  }
}

void RnTree::finish(Context& ctx, std::uint64_t job, std::uint32_t attempt, PeerId winner, grid::MatchCost cost,
                    grid::GridNode& grid) {
  if (winner.valid()) {
    grid.matched(ctx, job, attempt, winner, cost);
  } else {
    grid.unmatched(ctx, job, attempt, cost);  // the owner retries after grid.match_retry
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

void RnTree::on_reply(Context& ctx, PeerId from, const rntree::ExploreReply& m, grid::GridNode& grid) {
  const auto it = std::find_if(searches_.begin(), searches_.end(),
                               [&](const Search& s) { return s.active && s.nonce == m.nonce && s.asked == from; });
  if (it == searches_.end()) return;  // late: that question timed out already
  Search& s = *it;
  ctx.cancel(s.timer);
  ++s.messages;
  const NodeReport report{from, m.capabilities, m.queue, m.parent, m.listed()};
  drive(ctx, s, s.state.on_report(report), grid);
}

void RnTree::on_found(Context& ctx, const rntree::Found& m, grid::GridNode& grid) {
  const auto it = std::find_if(awaiting_.begin(), awaiting_.end(), [&](const Awaiting& a) {
    return a.nonce == m.owner_nonce && a.job == m.job && a.attempt == m.attempt;
  });
  if (it == awaiting_.end()) return;  // gave up on it already
  ctx.cancel(it->timer);
  awaiting_.erase(it);
  finish(ctx, m.job, m.attempt, m.winner, {m.hops, m.messages}, grid);
}

void RnTree::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::GridNode& grid,
                        const chord::Node& chord) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, rntree::Summary>) {
          children_.heard(from, m.summary, ctx.now());
          send(ctx, from, rntree::SummaryAck{});
        } else if constexpr (std::is_same_v<T, rntree::SummaryAck>) {
          if (from == parent_) last_ack_ = ctx.now();
        } else if constexpr (std::is_same_v<T, rntree::Walk>) {
          on_walk(ctx, m, grid, chord);
        } else if constexpr (std::is_same_v<T, rntree::Explore>) {
          on_explore(ctx, from, m, grid, chord);
        } else if constexpr (std::is_same_v<T, rntree::ExploreReply>) {
          on_reply(ctx, from, m, grid);
        } else {
          on_found(ctx, m, grid);
        }
      },
      rntree::decode(bytes));
}

void RnTree::on_timer(Context& ctx, std::uint64_t t, grid::GridNode& grid, const chord::Node& chord) {
  const std::uint64_t local = local_of_tag(t);
  const std::uint64_t value = local >> 8U;
  switch (static_cast<TimerKind>(local & 0xFFU)) {
    case TimerKind::kSummary: on_summary_timer(ctx, grid, chord); return;
    case TimerKind::kVisit: {
      // The node asked did not answer (dead, or the message was lost); the
      // request was counted when it was sent.
      const auto it =
          std::find_if(searches_.begin(), searches_.end(), [&](const Search& s) { return s.active && s.nonce == value; });
      if (it == searches_.end()) return;
      drive(ctx, *it, it->state.on_timeout(), grid);
      return;
    }
    case TimerKind::kAwait: {
      const auto it =
          std::find_if(awaiting_.begin(), awaiting_.end(), [&](const Awaiting& a) { return a.nonce == value; });
      if (it == awaiting_.end()) return;
      const Awaiting a = *it;
      awaiting_.erase(it);
      // The walk or the search was lost (a peer on the way died): the owner
      // retries after grid.match_retry. Only its own hop is known to it.
      finish(ctx, a.job, a.attempt, PeerId::none(), {a.walk, a.walk}, grid);
      return;
    }
  }
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
