#include "p2pgrid/match/can_match.hpp"

#include <algorithm>

#include "p2pgrid/api/protocol.hpp"

namespace p2pgrid::match {
namespace {

std::uint64_t tag(std::uint8_t kind) { return grid::nonce_tag(ProtocolId::kMatch, kind, 0); }

Time alive_since(const Context& ctx, const can::Node& can) { return ctx.now() - can.params().dead_after; }

}  // namespace

CanMatch::CanMatch(PeerId self, const CanMatchParams& params) : params_(&params), self_(self) {}

void CanMatch::send(Context& ctx, PeerId to, const canmatch::Message& m) const {
  std::array<std::byte, canmatch::kMaxMessageSize> buffer{};
  ctx.send(to, canmatch::encode(m, buffer));
}

void CanMatch::on_start(Context& ctx, const grid::GridNode& /*grid*/, const can::Node& /*can*/) {
  if (!params_->push) return;
  // First aggregate after a uniform phase so peers that start together do
  // not all report in the same instant.
  const auto period = static_cast<std::uint64_t>(params_->push_period.ns);
  const Duration phase{static_cast<std::int64_t>(ctx.rng().below(period))};
  ctx.set_timer(phase, tag(static_cast<std::uint8_t>(TimerKind::kAggregate)));
}

// --- Matching ----------------------------------------------------------------

void CanMatch::match(Context& ctx, const grid::MatchRequest& request, const grid::GridNode& grid,
                     const can::Node& can, grid::MatchPort& port) {
  canmatch::Forward f;
  f.profile = request.profile;
  f.owner = self_;
  f.round = static_cast<std::uint8_t>(std::min<std::uint32_t>(request.round, 255));
  decide(ctx, f, grid, can, port);
}

std::uint32_t CanMatch::forward_budget(const canmatch::Forward& f) const {
  if (!params_->escalate) return params_->max_forwards;
  return std::min<std::uint32_t>(params_->max_forwards * (std::uint32_t{f.round} + 1U), 255U);
}

void CanMatch::decide(Context& ctx, const canmatch::Forward& f, const grid::GridNode& grid, const can::Node& can,
                      grid::MatchPort& port) {
  const can::Params& cp = can.params();
  const CanRequirement req = can_requirement(cp.capabilities, f.profile.requirements);
  if (!req.satisfiable) {
    // Beyond the space's range in some dimension: no node has that much.
    answer(ctx, f, PeerId::none(), true, port);
    return;
  }
  if (can.phase() != can::Phase::kJoined || can.zones().empty()) {
    answer(ctx, f, PeerId::none(), false, port);
    return;
  }
  const can::NeighbourTable& table = can.neighbours();
  const Time since = alive_since(ctx, can);
  const CanLocalView view{self_, grid::satisfies(grid.capabilities(), f.profile.requirements), grid.queue_length(),
                          table.neighbours(), since, cp.resources};
  const CanChoice choice = choose_can(view, req.point, assigned_);

  if (params_->push && choice.winner.valid() && f.pushes < params_->max_pushes) {
    // Pushing (§3.3): up the lightest capable line while it is lighter than
    // what the job would get here.
    std::array<PushOption, grid::kResources> options{};
    for (int d = 0; d < cp.resources; ++d) {
      PushOption& o = options[static_cast<std::size_t>(d)];
      o.upper = upper_in(can.zones().front(), d, cp.dims(), table, since);
      if (!o.upper.valid()) continue;
      o.capable = dominates(table.find(o.upper)->point, req.point, cp.resources);
      o.line = above(d, o.upper, ctx.now());
    }
    const PushDecision push = decide_push(std::span(options).first(static_cast<std::size_t>(cp.resources)),
                                          choice.load, params_->push_threshold);
    if (push.to.valid()) {
      hand_on(ctx, f, push.to, true);
      return;
    }
  }

  if (choice.winner.valid()) {
    if (choice.winner != self_) assigned_.note(choice.winner, table.find(choice.winner)->last_heard);
    answer(ctx, f, choice.winner, false, port);
    return;
  }
  if (f.forwards < forward_budget(f)) {
    const bool wander = params_->escalate && f.round > 0;
    const PeerId to =
        can_forward_target(can.zones(), table, req.point, since, cp.resources, wander ? &ctx.rng() : nullptr);
    if (to.valid()) {
      hand_on(ctx, f, to, false);
      return;
    }
  }
  answer(ctx, f, PeerId::none(), false, port);
}

void CanMatch::hand_on(Context& ctx, canmatch::Forward f, PeerId to, bool push) {
  if (f.owner == self_ && f.owner_nonce == 0) {
    // The job leaves its owner: wait for the Result, but not forever (the
    // decider it reaches may die).
    f.owner_nonce = pending_.add(ctx, Pending{f.profile.job, f.profile.attempt}, params_->answer_timeout);
  }
  ++f.hops;
  if (push) {
    ++f.pushes;
  } else {
    ++f.forwards;
  }
  send(ctx, to, f);
}

void CanMatch::answer(Context& ctx, const canmatch::Forward& f, PeerId node, bool unmatchable,
                      grid::MatchPort& port) {
  const canmatch::Result result{f.owner_nonce, f.profile.job, f.profile.attempt, node,
                                f.hops,        std::uint32_t{f.hops} + 1U, unmatchable};
  if (f.owner != self_) {
    send(ctx, f.owner, result);
    return;
  }
  if (f.owner_nonce != 0) {
    // Back at its owner after a detour: the same as a Result, minus the message.
    canmatch::Result here = result;
    here.messages = f.hops;
    on_result(ctx, here, port);
    return;
  }
  if (node.valid()) {
    port.matched(f.profile.job, f.profile.attempt, node, {0, 0});
  } else if (unmatchable) {
    port.unmatchable(f.profile.job, f.profile.attempt, {0, 0});
  } else {
    port.not_now(f.profile.job, f.profile.attempt, {0, 0});
  }
}

void CanMatch::on_result(Context& ctx, const canmatch::Result& m, grid::MatchPort& port) {
  const auto* p = pending_.find(m.owner_nonce);
  if (p == nullptr || p->value.job != m.job || p->value.attempt != m.attempt) return;  // timed out already
  pending_.answer(ctx, m.owner_nonce);
  if (m.node.valid()) {
    port.matched(m.job, m.attempt, m.node, {m.hops, m.messages});
  } else if (m.unmatchable) {
    port.unmatchable(m.job, m.attempt, {m.hops, m.messages});
  } else {
    port.not_now(m.job, m.attempt, {m.hops, m.messages});
  }
}

// --- Messages and timers -----------------------------------------------------

void CanMatch::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, const grid::GridNode& grid,
                          const can::Node& can, grid::MatchPort& port) {
  const canmatch::Message m = canmatch::decode(bytes);
  if (const auto* f = std::get_if<canmatch::Forward>(&m)) {
    decide(ctx, *f, grid, can, port);
  } else if (const auto* r = std::get_if<canmatch::Result>(&m)) {
    on_result(ctx, *r, port);
  } else {
    on_aggregate(ctx, from, std::get<canmatch::Aggregate>(m), can);
  }
}

void CanMatch::on_timer(Context& ctx, std::uint64_t t, const grid::GridNode& grid, const can::Node& can,
                        grid::MatchPort& port) {
  if (pending_.owns(t)) {
    if (const auto p = pending_.expire(t)) port.not_now(p->job, p->attempt, {1, 1});
    return;
  }
  send_aggregates(ctx, grid, can);
  ctx.set_timer(params_->push_period, t);
}

// --- can-push aggregates -----------------------------------------------------

LineAggregate CanMatch::above(int dim, PeerId upper, Time now) const {
  const Above& a = above_[static_cast<std::size_t>(dim)];
  if (!upper.valid() || a.from != upper || now - a.heard > params_->aggregate_lifetime()) return {};
  return a.line;
}

LineAggregate CanMatch::line(int dim, Time now, const grid::GridNode& grid, const can::Node& can) const {
  if (can.zones().empty()) return {};
  const PeerId upper = upper_in(can.zones().front(), dim, can.params().dims(), can.neighbours(),
                                now - can.params().dead_after);
  return extend_line(above(dim, upper, now), grid.queue_length());
}

void CanMatch::send_aggregates(Context& ctx, const grid::GridNode& grid, const can::Node& can) {
  if (can.phase() != can::Phase::kJoined || can.zones().empty()) return;
  const can::Params& cp = can.params();
  canmatch::Aggregate m;
  for (int d = 0; d < cp.resources; ++d) m.lines[static_cast<std::size_t>(d)] = line(d, ctx.now(), grid, can);
  const Time since = alive_since(ctx, can);
  const can::NeighbourTable& table = can.neighbours();
  for (const auto [n, theirs] : table.with_zones()) {
    if (n.last_heard < since) continue;
    bool reads_me = false;
    for (int d = 0; d < cp.resources && !reads_me; ++d) reads_me = is_upper_of(can.zones(), theirs, d, cp.dims());
    if (reads_me) send(ctx, n.id, m);
  }
}

void CanMatch::on_aggregate(Context& ctx, PeerId from, const canmatch::Aggregate& m, const can::Node& can) {
  if (can.zones().empty()) return;
  const can::Params& cp = can.params();
  const Time since = alive_since(ctx, can);
  for (int d = 0; d < cp.resources; ++d) {
    // Kept only from the designated upper neighbour of this dimension.
    if (upper_in(can.zones().front(), d, cp.dims(), can.neighbours(), since) != from) continue;
    above_[static_cast<std::size_t>(d)] = {from, m.lines[static_cast<std::size_t>(d)], ctx.now()};
  }
}

}  // namespace p2pgrid::match
