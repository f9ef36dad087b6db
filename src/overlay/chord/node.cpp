#include "p2pgrid/overlay/chord/node.hpp"

#include <algorithm>
#include <cmath>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"

namespace p2pgrid::chord {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;  // clang 14 lacks C++20 aggregate deduction

/// For Chord's own lookups (join), which never reach the stack above.
class NullUpcalls final : public Upcalls {
 public:
  void on_lookup_done(Context& /*ctx*/, std::uint64_t /*cookie*/, RingId /*key*/, PeerId /*owner*/,
                      std::uint32_t /*hops*/, Duration /*latency*/, bool /*ok*/) override {}
  void on_routed(Context& /*ctx*/, RingId /*key*/, std::span<const std::byte> /*payload*/,
                 std::uint32_t /*hops*/) override {}
};

static_assert((Node::kMaxPending & (Node::kMaxPending - 1)) == 0, "the slot rides in the nonce's low bits");

}  // namespace

Node::Node(PeerId self, const Params& params)
    : params_(&params), id_(ring_id_of(self, params.salt)), self_(self) {}

PeerId Node::successor() const {
  if (!joined_) return PeerId::none();
  return successors_.empty() ? self_ : successors_.front();
}

// --- Routing decisions ------------------------------------------------------

PeerId Node::closest_preceding(RingId limit, PeerId exclude) const {
  // ToN section IV-E.3: the successor list takes part too; its entries are
  // the freshest knowledge of the arc just ahead. `exclude` is a peer the
  // asker found dead.
  PeerId best = fingers_.closest_preceding(id_, limit, params_->salt);
  if (best.valid() && best == exclude) best = fingers_.closest_preceding(id_, id_of(exclude), params_->salt);
  std::uint64_t best_distance = best.valid() ? distance(id_, id_of(best)) : 0;
  for (const PeerId s : successors_.entries()) {
    if (s == exclude) continue;
    const RingId sid = id_of(s);
    if (in_open(sid, id_, limit) && distance(id_, sid) > best_distance) {
      best = s;
      best_distance = distance(id_, sid);
    }
  }
  return best;
}

PeerId Node::next_hop(RingId key) const {
  if (!joined_) return PeerId::none();
  const PeerId succ = successor();
  if (in_half_open(key, id_, id_of(succ))) return succ;
  const PeerId p = closest_preceding(key);
  return p.valid() ? p : succ;
}

Node::Answer Node::answer(RingId key, PeerId bound) const {
  // `bound` is a peer the asker found dead: skip it, as successor too.
  PeerId succ = successor();
  if (bound.valid() && succ == bound) {
    succ = PeerId::none();
    for (const PeerId s : successors_.entries()) {
      if (s != bound) {
        succ = s;
        break;
      }
    }
  }
  if (succ.valid() && in_half_open(key, id_, id_of(succ))) return {true, succ};
  return {false, closest_preceding(key, bound)};
}

void Node::forget(PeerId dead) {
  fingers_.remove(dead);
  if (dead == predecessor_) predecessor_ = PeerId::none();
  // The first successor is stabilize's to replace (it notices by timeout).
  if (successors_.front() != dead) successors_.remove(dead);
}

// --- Iterative lookups ------------------------------------------------------

void Node::lookup(Context& ctx, RingId key, std::uint64_t cookie, Upcalls& up) {
  if (!joined_) {
    up.on_lookup_result(ctx, cookie, key, PeerId::none(), 0, Duration{0}, LookupStatus::kNotJoined);
    return;
  }
  start_lookup(ctx, params_->recursive_lookups ? LookupKind::kRecursive : LookupKind::kUser, key, cookie,
               PeerId::none(), up);
}

void Node::start_lookup(Context& ctx, LookupKind kind, RingId key, std::uint64_t cookie, PeerId contact,
                        Upcalls& up) {
  if (pending_.empty()) pending_.resize(kMaxPending);
  std::uint32_t slot = kMaxPending;
  for (std::uint32_t s = 0; s < kMaxPending; ++s) {
    if (pending_[s].kind == LookupKind::kFree) {
      slot = s;
      break;
    }
  }
  if (slot == kMaxPending) {
    if (kind == LookupKind::kUser || kind == LookupKind::kRecursive) {
      up.on_lookup_result(ctx, cookie, key, PeerId::none(), 0, Duration{0}, LookupStatus::kBusy);
    }
    if (kind == LookupKind::kJoin) join_done(ctx, PeerId::none(), PeerId::none(), false);
    return;
  }
  Pending& p = pending_[slot];
  p = Pending{};
  p.key = key;
  p.cookie = cookie;
  p.start = ctx.now();
  p.kind = kind;
  if (kind == LookupKind::kRecursive) {
    send_recursive(ctx, slot, up);
    return;
  }
  if (contact.valid()) {
    // Start remotely: a joining peer knows nobody but its contact (ToN
    // Fig. 6, join); a successor check starts far away on purpose.
    p.previous = PeerId::none();
    p.current = contact;
    send_query(ctx, slot, PeerId::none());
    return;
  }
  step_local(ctx, slot, PeerId::none(), up);
}

void Node::step_local(Context& ctx, std::uint32_t slot, PeerId bound, Upcalls& up) {
  if (!joined_) {  // lost the ring meanwhile (every successor died): nothing to route with
    complete(ctx, slot, PeerId::none(), LookupStatus::kNotJoined, up);
    return;
  }
  const Answer a = answer(pending_[slot].key, bound);
  if (a.done) {
    if (a.node == self_) {
      complete(ctx, slot, a.node, LookupStatus::kOk, up);
      return;
    }
    pending_[slot].previous = self_;
    pending_[slot].current = a.node;
    send_confirm(ctx, slot);
    return;
  }
  if (!a.node.valid()) {
    complete(ctx, slot, PeerId::none(), LookupStatus::kNoRoute, up);
    return;
  }
  pending_[slot].previous = self_;
  pending_[slot].current = a.node;
  send_query(ctx, slot, PeerId::none());
}

void Node::send_query(Context& ctx, std::uint32_t slot, PeerId bound) {
  Pending& p = pending_[slot];
  p.nonce = next_nonce(slot);
  p.bounded = bound.valid();
  send(ctx, p.current, FindNext{p.nonce, p.key, bound});
  await_reply(ctx, slot);
}

void Node::await_reply(Context& ctx, std::uint32_t slot) {
  Pending& p = pending_[slot];
  p.deadline = ctx.now() + params_->rpc_timeout;
  if (p.timer_nonce != 0) return;  // the armed timer fires no later than this deadline
  p.timer_nonce = p.nonce;
  ctx.set_timer(params_->rpc_timeout, tag_of(TimerKind::kLookupTimeout, slot, p.nonce));
}

void Node::on_lookup_timer(Context& ctx, std::uint32_t slot, std::uint32_t nonce, Upcalls& up) {
  Pending* const slot_state = slot_of(slot);
  if (slot_state == nullptr) return;  // every lookup finished and the slots were freed
  Pending& p = *slot_state;
  if (p.timer_nonce != nonce) return;  // a finished lookup's timer
  p.timer_nonce = 0;
  if (p.kind == LookupKind::kFree) return;
  if (ctx.now() < p.deadline) {  // a later request moved the deadline
    p.timer_nonce = p.nonce;
    ctx.set_timer(p.deadline - ctx.now(), tag_of(TimerKind::kLookupTimeout, slot, p.nonce));
    return;
  }
  on_lookup_timeout(ctx, slot, up);
}

void Node::on_find_next_reply(Context& ctx, PeerId from, const FindNextReply& m, Upcalls& up) {
  const std::uint32_t slot = m.nonce % kMaxPending;
  Pending* const slot_state = slot_of(slot);
  if (slot_state == nullptr) return;  // stale: no lookup in flight
  Pending& p = *slot_state;
  if (p.kind == LookupKind::kFree || p.nonce != m.nonce || p.current != from) return;  // stale
  if (!m.done && !m.node.valid() && !p.bounded) {
    // Only a peer that is not on the ring (still joining, or rejoining)
    // has no next hop for an unbounded question: route around it as around
    // a dead one, now rather than after rpc_timeout (50 s at the SimGrid
    // settings, where joiners that picked a contact still joining waited
    // that long).
    on_lookup_timeout(ctx, slot, up);
    return;
  }
  ++p.hops;
  if (m.done) {
    if (m.node == self_) {
      complete(ctx, slot, m.node, LookupStatus::kOk, up);
      return;
    }
    p.previous = from;
    p.current = m.node;
    send_confirm(ctx, slot);
    return;
  }
  if (!m.node.valid() || p.hops >= kMaxHops) {
    complete(ctx, slot, PeerId::none(), m.node.valid() ? LookupStatus::kHopLimit : LookupStatus::kNoRoute, up);
    return;
  }
  if (m.node == self_) {
    // The route came back through us: continue from our own table, unless we
    // are still joining (then the answer is stale knowledge of our last life).
    if (p.kind == LookupKind::kJoin) {
      complete(ctx, slot, PeerId::none(), LookupStatus::kNoRoute, up);
      return;
    }
    step_local(ctx, slot, PeerId::none(), up);
    return;
  }
  p.previous = from;
  p.current = m.node;
  send_query(ctx, slot, PeerId::none());
}

void Node::send_confirm(Context& ctx, std::uint32_t slot) {
  Pending& p = pending_[slot];
  p.confirming = true;
  p.nonce = next_nonce(slot);
  send(ctx, p.current, ConfirmOwner{p.nonce, p.key});
  await_reply(ctx, slot);
}

void Node::on_owner_reply(Context& ctx, PeerId from, const OwnerReply& m, Upcalls& up) {
  const std::uint32_t slot = m.nonce % kMaxPending;
  Pending* const slot_state = slot_of(slot);
  if (slot_state == nullptr) return;  // stale: no lookup in flight
  Pending& p = *slot_state;
  if (p.kind == LookupKind::kFree || !p.confirming || p.nonce != m.nonce || p.current != from) return;  // stale
  if (!m.mine && !m.predecessor.valid()) {  // not on the ring (yet): as in on_find_next_reply
    on_lookup_timeout(ctx, slot, up);
    return;
  }
  if (m.mine || !m.predecessor.valid() || m.predecessor == from) {
    // The owner's predecessor is the best guess of the key's predecessor
    // (a joining peer's own; join_done reads it from `previous`).
    if (m.mine && m.predecessor.valid()) p.previous = m.predecessor;
    complete(ctx, slot, from, LookupStatus::kOk, up);
    return;
  }
  // A peer joined before the claimed owner and now owns the key, or lies
  // closer to it: ask that one (one more routing step).
  if (++p.hops >= kMaxHops) {
    complete(ctx, slot, PeerId::none(), LookupStatus::kHopLimit, up);
    return;
  }
  if (m.predecessor == self_) {
    p.confirming = false;
    step_local(ctx, slot, PeerId::none(), up);
    return;
  }
  p.current = m.predecessor;
  send_confirm(ctx, slot);
}

void Node::on_lookup_timeout(Context& ctx, std::uint32_t slot, Upcalls& up) {
  Pending& p = pending_[slot];
  const PeerId dead = p.current;
  p.confirming = false;
  ++p.timeouts;
  if (joined_ && p.kind != LookupKind::kRecursive) forget(dead);  // a recursive origin cannot tell who died
  if (p.timeouts > params_->lookup_timeouts) {
    complete(ctx, slot, PeerId::none(), LookupStatus::kTimedOut, up);
    return;
  }
  if (p.kind == LookupKind::kRecursive) {
    send_recursive(ctx, slot, up);  // from the start again, under a new nonce
    return;
  }
  if (p.kind == LookupKind::kFinger && !p.previous.valid()) {  // the successor check's far start died
    complete(ctx, slot, PeerId::none(), LookupStatus::kTimedOut, up);
    return;
  }
  if (p.kind == LookupKind::kJoin) {
    const PeerId contact = choose_contact(ctx);
    if (!contact.valid()) {
      complete(ctx, slot, PeerId::none(), LookupStatus::kNoRoute, up);
      return;
    }
    p.current = contact;
    send_query(ctx, slot, PeerId::none());
    return;
  }
  if (p.previous.valid() && p.previous != self_ && p.previous != dead) {
    // Ask the peer that named the dead one for the next best route before it.
    p.current = p.previous;
    send_query(ctx, slot, dead);
    return;
  }
  step_local(ctx, slot, dead, up);
}

// --- Recursive lookups (chord.lookups = "recursive") -----------------------
// As SimGrid's Chord example (and ToN Fig. 5 read literally): the request
// travels hop by hop and the key's predecessor answers the origin, one
// message per hop plus the answer. The origin alone waits, with one timer
// for the whole lookup; no owner confirmation (the example has none).

void Node::send_recursive(Context& ctx, std::uint32_t slot, Upcalls& up) {
  if (!joined_) {
    complete(ctx, slot, PeerId::none(), LookupStatus::kNotJoined, up);
    return;
  }
  Pending& p = pending_[slot];
  const PeerId succ = successor();
  if (in_half_open(p.key, id_, id_of(succ))) {
    complete(ctx, slot, succ, LookupStatus::kOk, up);
    return;
  }
  const PeerId next = closest_preceding(p.key);
  p.current = next.valid() ? next : succ;
  p.nonce = next_nonce(slot);
  send(ctx, p.current, FindSuccessor{p.nonce, p.key, self_, 1});
  await_reply(ctx, slot);
}

void Node::on_find_successor(Context& ctx, PeerId /*from*/, const FindSuccessor& m, Upcalls& up) {
  if (!joined_) return;  // the origin times out
  const PeerId succ = successor();
  if (in_half_open(m.key, id_, id_of(succ))) {
    if (m.origin == self_) {
      on_successor_found(ctx, self_, SuccessorFound{m.nonce, succ, m.hops, 0}, up);
    } else {
      send(ctx, m.origin, SuccessorFound{m.nonce, succ, m.hops, 0});
    }
    return;
  }
  if (m.hops >= kMaxHops) {
    const SuccessorFound failed{m.nonce, PeerId::none(), m.hops, static_cast<std::uint8_t>(LookupStatus::kHopLimit)};
    if (m.origin == self_) {
      on_successor_found(ctx, self_, failed, up);
    } else {
      send(ctx, m.origin, failed);
    }
    return;
  }
  const PeerId next = closest_preceding(m.key);
  send(ctx, next.valid() ? next : succ, FindSuccessor{m.nonce, m.key, m.origin, m.hops + 1});
}

void Node::on_successor_found(Context& ctx, PeerId /*from*/, const SuccessorFound& m, Upcalls& up) {
  const std::uint32_t slot = m.nonce % kMaxPending;
  Pending* const slot_state = slot_of(slot);
  if (slot_state == nullptr) return;  // answered after a timeout: stale
  Pending& p = *slot_state;
  if (p.kind != LookupKind::kRecursive || p.nonce != m.nonce) return;  // answered after a timeout: stale
  p.hops = static_cast<std::uint8_t>(std::min<std::uint32_t>(m.hops, kMaxHops));
  complete(ctx, slot, m.owner, static_cast<LookupStatus>(m.status), up);
}

void Node::complete(Context& ctx, std::uint32_t slot, PeerId owner, LookupStatus status, Upcalls& up) {
  const Pending p = pending_[slot];
  const bool ok = status == LookupStatus::kOk;
  pending_[slot].kind = LookupKind::kFree;  // freed first: the upcall may start another lookup
  switch (p.kind) {
    case LookupKind::kUser:
    case LookupKind::kRecursive:
      up.on_lookup_result(ctx, p.cookie, p.key, ok ? owner : PeerId::none(), p.hops, ctx.now() - p.start, status);
      return;
    case LookupKind::kFinger: finger_done(ctx, static_cast<unsigned>(p.cookie), owner, ok); return;
    case LookupKind::kJoin:
      join_done(ctx, owner, p.previous, ok);
      if (joined_ && params_->trace_joins) {
        ctx.trace().record(JoinRecord{ctx.now().ns, self_.value, owner.value, predecessor_.value, p.hops});
      }
      return;
    case LookupKind::kFree: return;
  }
}

// --- Join and maintenance (ToN Fig. 6 and 7) -------------------------------

void Node::on_start(Context& ctx) {
  if (joined_) {
    start_maintenance(ctx);
    return;
  }
  begin_join(ctx);
}

PeerId Node::choose_contact(Context& ctx) const {
  if (params_->seeds) {
    const std::vector<PeerId>& seeds = *params_->seeds;
    if (seeds.empty() || seeds.front() == self_) return PeerId::none();
    const auto self_count = static_cast<std::size_t>(std::count(seeds.begin(), seeds.end(), self_));
    auto pick = ctx.rng().below(seeds.size() - self_count);
    for (const PeerId p : seeds) {
      if (p == self_) continue;
      if (pick-- == 0) return p;
    }
  }
  if (params_->wave_contacts) {
    const PeerId c = (*params_->wave_contacts)[self_.value];
    return c == self_ ? PeerId::none() : c;
  }
  // Well-known peers 0..k-1 that started before now: deployment data only.
  std::uint32_t limit = std::min(params_->bootstrap_peers, params_->peers);
  while (limit > 0 && params_->start_of(PeerId{limit - 1}) >= ctx.now()) --limit;
  const std::uint32_t candidates = limit - (self_.value < limit ? 1 : 0);
  if (candidates == 0) return PeerId::none();
  auto pick = static_cast<std::uint32_t>(ctx.rng().below(candidates));
  if (pick >= self_.value) ++pick;  // skip ourselves
  return PeerId{pick};
}

void Node::begin_join(Context& ctx) {
  joined_ = false;
  successors_.clear();
  predecessor_ = PeerId::none();
  fingers_.clear();
  const PeerId contact = choose_contact(ctx);
  if (!contact.valid()) {
    // Nobody to ask: create the ring (ToN Fig. 6, create).
    joined_ = true;
    start_maintenance(ctx);
    return;
  }
  NullUpcalls none;
  start_lookup(ctx, LookupKind::kJoin, id_, 0, contact, none);
}

void Node::join_done(Context& ctx, PeerId owner, PeerId predecessor, bool ok) {
  if (!ok || !owner.valid() || owner == self_) {
    ctx.set_timer(jittered(ctx, params_->join_retry), tag_of(TimerKind::kJoin, 0, 0));
    return;
  }
  joined_ = true;
  successors_.assign(self_, owner, {}, params_->successors);
  if (predecessor.valid() && predecessor != self_) {
    // The predecessor that the owner (or the peer that named it) knew: so
    // we do not answer ConfirmOwner for every key, as a peer without a
    // predecessor does, and it learns of us now instead of at its next
    // stabilize. Ghodsi's atomic join (DKS, KTH 2006, ch. 3) has the joiner
    // tell its predecessor the same way; plain Chord waits for stabilize,
    // which at 20 s periods and a join every 29 ms left hundreds of peers
    // between strands whose predecessors never pointed at them.
    predecessor_ = predecessor;
    send(ctx, predecessor, SuccessorHint{self_});
  }
  start_maintenance(ctx);
  stabilize(ctx);  // learn the successor list and notify at once
  // init_finger_table (SIGCOMM 2001, section 4.4): look up every distinct
  // finger now, one after another, instead of one per fix_fingers period.
  // A peer that joins with only its successor routes every lookup through
  // the successor list, and at the issue-19 settings (10,000 peers, one
  // finger per 120 s, r = 1) lookups walked the ring for 100+ hops. Each
  // answer also fills every later finger it covers, so this costs about
  // log2 N lookups; the first ones go through the successor, whose table is
  // the best the new peer can reach.
  init_fingers_ = true;
  next_finger_ = 0;
  NullUpcalls none;
  next_finger_lookup(ctx, none);
}

void Node::start_maintenance(Context& ctx) {
  if (maintaining_) return;
  maintaining_ = true;
  // Random phases keep peers that start together from acting in lockstep.
  const auto phase = [&](Duration period) {
    return Duration{static_cast<std::int64_t>(ctx.rng().uniform01() * static_cast<double>(period.ns))};
  };
  ctx.set_timer(phase(params_->stabilize), tag_of(TimerKind::kStabilize, 0, 0));
  ctx.set_timer(phase(params_->fix_fingers), tag_of(TimerKind::kFixFingers, 0, 0));
  ctx.set_timer(phase(params_->check_predecessor), tag_of(TimerKind::kCheckPredecessor, 0, 0));
}

void Node::stabilize(Context& ctx) {
  if (!joined_ || stabilize_nonce_ != 0) return;
  if (successors_.empty()) {
    // Alone: the first peer to notify us becomes our successor too.
    if (predecessor_.valid()) {
      successors_.assign(self_, predecessor_, {}, params_->successors);
      send(ctx, successors_.front(), Notify{});
    }
    return;
  }
  stabilize_nonce_ = next_nonce(0);
  stabilize_target_ = successors_.front();
  send(ctx, stabilize_target_, GetPredecessor{stabilize_nonce_});
  stabilize_timer_ = ctx.set_timer(params_->rpc_timeout, tag_of(TimerKind::kStabilizeTimeout, 0, stabilize_nonce_));
}

void Node::on_predecessor_reply(Context& ctx, PeerId from, const PredecessorReply& m) {
  if (m.nonce != stabilize_nonce_ || from != stabilize_target_) return;
  ctx.cancel(stabilize_timer_);
  stabilize_nonce_ = 0;
  if (from != successors_.front()) {
    // A closer successor was adopted while this request was out (a
    // successor check, a notify while alone): ask that one. Dropping the
    // reply instead left the request to time out and remove the *new*
    // successor, a live peer; at the SimGrid settings (r = 1, 50 s timeout)
    // that cut peers off the ring for minutes.
    stabilize(ctx);
    return;
  }
  successors_.assign(self_, from, m.list(), params_->successors);
  const PeerId x = m.predecessor;
  if (x.valid() && x != self_ && in_open(id_of(x), id_, id_of(from))) {
    // A closer successor: ask it at once instead of a period later, so a
    // peer that joined with a successor several peers too far (its lookup
    // ran while others were joining) walks back in round trips, not
    // periods. Each step strictly shrinks the gap, so the chase ends.
    successors_.push_front(x, params_->successors);
    stabilize(ctx);
    return;
  }
  send(ctx, successors_.front(), Notify{});
}

void Node::on_stabilize_timeout(Context& ctx) {
  stabilize_nonce_ = 0;
  const PeerId dead = stabilize_target_;
  successors_.remove(dead);
  forget(dead);
  if (successors_.empty()) adopt_successor_fallback(ctx);
  if (!successors_.empty()) stabilize(ctx);  // repair now, not a period later
}

void Node::adopt_successor_fallback(Context& ctx) {
  // Every successor is gone: the nearest finger, else the predecessor (the
  // ring's other side), else nobody is left and we join again.
  for (unsigned i = 0; i < FingerTable::kSize; ++i) {
    if (fingers_.at(i).valid()) {
      successors_.assign(self_, fingers_.at(i), {}, params_->successors);
      return;
    }
  }
  if (predecessor_.valid()) {
    successors_.assign(self_, predecessor_, {}, params_->successors);
    return;
  }
  begin_join(ctx);
}

void Node::notified_by(Context& ctx, PeerId from, bool tell_old) {
  if (!joined_) return;
  if (!predecessor_.valid() || in_open(id_of(from), id_of(predecessor_), id_)) {
    // The old predecessor still takes us as its successor, but `from` lies
    // between: say so now (it checks and stabilizes with it), rather than
    // leave it to its next stabilize. Each hint moves a successor strictly
    // closer, so hints cannot cycle.
    if (tell_old && predecessor_.valid() && predecessor_ != from) send(ctx, predecessor_, SuccessorHint{from});
    if (ping_nonce_ != 0) {
      // The ping went to the old predecessor; its timeout must not clear
      // the new one.
      ctx.cancel(ping_timer_);
      ping_nonce_ = 0;
    }
    predecessor_ = from;
  }
  if (successors_.empty()) successors_.assign(self_, from, {}, params_->successors);
}

void Node::on_successor_hint(Context& ctx, PeerId peer) {
  if (!joined_ || !peer.valid() || peer == self_) return;
  if (!successors_.empty() && !in_open(id_of(peer), id_, id_of(successors_.front()))) return;
  successors_.push_front(peer, params_->successors);
  stabilize(ctx);  // learn its list and notify it now
}

void Node::check_predecessor(Context& ctx) {
  if (!joined_ || !predecessor_.valid() || ping_nonce_ != 0) return;
  ping_nonce_ = next_nonce(0);
  send(ctx, predecessor_, Ping{ping_nonce_});
  ping_timer_ = ctx.set_timer(params_->rpc_timeout, tag_of(TimerKind::kPingTimeout, 0, ping_nonce_));
}

void Node::fix_fingers(Context& ctx, Upcalls& up) {
  if (!joined_ || successors_.empty()) return;
  for (const Pending& p : pending_) {
    if (p.kind == LookupKind::kFinger) return;  // one at a time
  }
  if (next_finger_ == 0 && !checked_round_) {
    checked_round_ = true;  // a new round of fingers begins with a successor check
    check_successor(ctx, up);
    return;
  }
  checked_round_ = false;
  next_finger_lookup(ctx, up);
}

void Node::next_finger_lookup(Context& ctx, Upcalls& up) {
  if (successors_.empty()) {
    init_fingers_ = false;
    return;
  }
  // Fingers whose start lies before the successor are the successor: set
  // them without a lookup, so a round costs about log2 N lookups, not 64.
  const PeerId succ = successors_.front();
  const RingId succ_id = id_of(succ);
  for (unsigned n = 0; n < FingerTable::kSize; ++n) {
    const unsigned i = next_finger_;
    const RingId start = finger_start(id_, i);
    if (!in_half_open(start, id_, succ_id)) {
      start_lookup(ctx, LookupKind::kFinger, start, i, PeerId::none(), up);
      return;
    }
    fingers_.set(i, succ);
    next_finger_ = static_cast<std::uint8_t>((i + 1) % FingerTable::kSize);
    if (next_finger_ == 0 && init_fingers_) {  // the join's round is complete
      init_fingers_ = false;
      return;
    }
  }
}

void Node::check_successor(Context& ctx, Upcalls& up) {
  // Once per round of fingers: look up our own successor, starting at our
  // farthest finger instead of at ourselves. Stabilize alone cannot merge
  // two correctly ordered strands that interleave (peers that joined
  // through each other while the ring was forming: Zave, "Reasoning about
  // identifier spaces: how to make Chord correct", 2017); a route through
  // the rest of the ring finds a closer successor if one exists.
  PeerId far = PeerId::none();
  for (unsigned i = FingerTable::kSize; i-- > 0;) {
    const PeerId f = fingers_.at(i);
    if (f.valid() && f != successors_.front()) {
      far = f;
      break;
    }
  }
  if (far.valid()) start_lookup(ctx, LookupKind::kFinger, id_ + 1, kSuccessorCheck, far, up);
}

void Node::finger_done(Context& ctx, unsigned index, PeerId owner, bool ok) {
  if (index == kSuccessorCheck) {
    if (ok && owner.valid() && owner != self_ && !successors_.empty() &&
        in_open(id_of(owner), id_, id_of(successors_.front()))) {
      successors_.push_front(owner, params_->successors);
      stabilize(ctx);
    }
    return;
  }
  unsigned next = index + 1;
  if (ok && owner.valid() && owner != self_) {
    fingers_.set(index, owner);
    // Every later start that still falls at or before `owner` has the same
    // successor: no peer lies between (MIT Chord's fix_fingers shortcut).
    const std::uint64_t reach = distance(id_, id_of(owner));
    while (next < FingerTable::kSize && (std::uint64_t{1} << next) <= reach) fingers_.set(next++, owner);
  }
  next_finger_ = static_cast<std::uint8_t>(next % FingerTable::kSize);
  if (!init_fingers_) return;
  if (next_finger_ == 0 || !joined_) {
    init_fingers_ = false;
    return;
  }
  NullUpcalls none;
  next_finger_lookup(ctx, none);
}

// --- Route (recursive) ------------------------------------------------------

void Node::route(Context& ctx, RingId key, std::span<const std::byte> payload, Upcalls& up) {
  forward_route(ctx, key, payload, 0, up);
}

void Node::forward_route(Context& ctx, RingId key, std::span<const std::byte> payload, std::uint32_t hops,
                         Upcalls& up) {
  if (!joined_ || hops >= kMaxHops) return;
  const PeerId succ = successor();
  if (succ == self_ || (predecessor_.valid() && in_half_open(key, id_of(predecessor_), id_))) {
    up.on_routed(ctx, key, payload, hops);
    return;
  }
  if (in_half_open(key, id_, id_of(succ))) {
    send(ctx, succ, Route{key, hops + 1, true, payload});
    return;
  }
  const PeerId next = closest_preceding(key);
  send(ctx, next.valid() ? next : succ, Route{key, hops + 1, false, payload});
}

// --- Dispatch ---------------------------------------------------------------

void Node::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Upcalls& up) {
  const Message message = decode(bytes, params_->peers);
  std::visit(Overloaded{
                 [&](const FindNext& m) {
                   if (!joined_) {  // not on the ring: say so, the asker routes around us
                     send(ctx, from, FindNextReply{m.nonce, false, PeerId::none()});
                     return;
                   }
                   const Answer a = answer(m.key, m.bound);
                   send(ctx, from, FindNextReply{m.nonce, a.done, a.node});
                 },
                 [&](const FindNextReply& m) { on_find_next_reply(ctx, from, m, up); },
                 [&](const GetPredecessor& m) {
                   if (!joined_) return;
                   PredecessorReply r;
                   r.nonce = m.nonce;
                   r.predecessor = predecessor_;
                   for (const PeerId s : successors_.entries()) r.successors[r.count++] = s;
                   send(ctx, from, r);
                 },
                 [&](const PredecessorReply& m) { on_predecessor_reply(ctx, from, m); },
                 [&](const Notify& /*m*/) { notified_by(ctx, from, true); },
                 [&](const Ping& m) {
                   if (joined_) send(ctx, from, Pong{m.nonce});
                 },
                 [&](const Pong& m) {
                   if (m.nonce != ping_nonce_ || from != predecessor_) return;
                   ctx.cancel(ping_timer_);
                   ping_nonce_ = 0;
                 },
                 [&](const LeavingPredecessor& m) {
                   if (from != predecessor_) return;
                   if (ping_nonce_ != 0) {  // as in notified_by: the ping was for the leaver
                     ctx.cancel(ping_timer_);
                     ping_nonce_ = 0;
                   }
                   predecessor_ = m.predecessor == self_ ? PeerId::none() : m.predecessor;
                   fingers_.remove(from);
                 },
                 [&](const LeavingSuccessor& m) {
                   fingers_.remove(from);
                   if (!joined_ || successors_.front() != from) {
                     successors_.remove(from);
                     return;
                   }
                   const auto list = m.list();
                   if (list.empty()) {
                     successors_.remove(from);
                   } else {
                     successors_.assign(self_, list[0], list.subspan(1), params_->successors);
                   }
                   if (successors_.empty()) adopt_successor_fallback(ctx);
                 },
                 [&](const ConfirmOwner& m) {
                   if (!joined_) {  // not (yet) on the ring: "not mine, no predecessor" says so
                     send(ctx, from, OwnerReply{m.nonce, false, PeerId::none()});
                     return;
                   }
                   const bool mine = !predecessor_.valid() || in_half_open(m.key, id_of(predecessor_), id_);
                   send(ctx, from, OwnerReply{m.nonce, mine, predecessor_});
                   // A peer that confirms its own id is joining with us as its
                   // successor (ToN Fig. 6: n.successor = n'.find_successor(n)).
                   // Taking it as predecessor now, as its notify would a round
                   // trip later, closes the window in which we still answered
                   // for keys it owns once it is joined.
                   // Its hint to our old predecessor follows once it has joined.
                   if (mine && m.key == id_of(from) && from != self_) notified_by(ctx, from, false);
                 },
                 [&](const OwnerReply& m) { on_owner_reply(ctx, from, m, up); },
                 [&](const SuccessorHint& m) { on_successor_hint(ctx, m.peer); },
                 [&](const FindSuccessor& m) { on_find_successor(ctx, from, m, up); },
                 [&](const SuccessorFound& m) { on_successor_found(ctx, from, m, up); },
                 [&](const Route& m) {
                   if (m.deliver) {
                     up.on_routed(ctx, m.key, m.payload, m.hops);
                   } else {
                     forward_route(ctx, m.key, m.payload, m.hops, up);
                   }
                 },
             },
             message);
  release_idle_slots();
}

void Node::on_timer(Context& ctx, std::uint64_t tag, Upcalls& up) {
  on_timer_kind(ctx, tag, up);
  release_idle_slots();
}

void Node::on_timer_kind(Context& ctx, std::uint64_t tag, Upcalls& up) {
  const std::uint64_t local = local_of_tag(tag);
  const auto kind = static_cast<TimerKind>(local & 0xFFU);
  const auto slot = static_cast<std::uint32_t>((local >> 8U) & 0xFFU);
  const auto nonce = static_cast<std::uint32_t>(local >> 16U);
  switch (kind) {
    case TimerKind::kStabilize:
      stabilize(ctx);
      ctx.set_timer(jittered(ctx, params_->stabilize), tag);
      return;
    case TimerKind::kFixFingers:
      fix_fingers(ctx, up);
      ctx.set_timer(jittered(ctx, params_->fix_fingers), tag);
      return;
    case TimerKind::kCheckPredecessor:
      check_predecessor(ctx);
      ctx.set_timer(jittered(ctx, params_->check_predecessor), tag);
      return;
    case TimerKind::kJoin:
      if (!joined_) begin_join(ctx);
      return;
    case TimerKind::kLookupTimeout: on_lookup_timer(ctx, slot, nonce, up); return;
    case TimerKind::kStabilizeTimeout:
      if (nonce == stabilize_nonce_) on_stabilize_timeout(ctx);
      return;
    case TimerKind::kPingTimeout:
      if (nonce == ping_nonce_) {
        ping_nonce_ = 0;
        forget(predecessor_);
      }
      return;
  }
}

void Node::release_idle_slots() {
  if (!pending_.empty() &&
      std::all_of(pending_.begin(), pending_.end(), [](const Pending& p) { return p.kind == LookupKind::kFree; })) {
    pending_ = std::vector<Pending>();  // not `= {}`, which keeps the capacity
  }
}

void Node::on_leave(Context& ctx) {
  // ToN section IV-E.4: hand the neighbours to each other so the ring
  // closes at once instead of after a stabilize timeout.
  if (!joined_ || successors_.empty()) return;
  send(ctx, successors_.front(), LeavingPredecessor{predecessor_});
  if (predecessor_.valid()) {
    LeavingSuccessor m;
    for (const PeerId s : successors_.entries()) m.successors[m.count++] = s;
    send(ctx, predecessor_, m);
  }
}

void Node::on_finish(Context& ctx, bool alive) const {
  const SnapshotRecord row{self_.value, alive ? 1U : 0U, id_, successor().value, predecessor_.value};
  ctx.trace().record(row);
}

// --- Oracle ---------------------------------------------------------------

void Node::oracle_bootstrap(const OracleRing& ring) {
  const std::size_t n = ring.size();
  const std::size_t at = ring.successor_index(id_);  // our own position: ids are unique
  successors_.clear();
  fingers_.clear();
  predecessor_ = PeerId::none();
  joined_ = true;
  if (n <= 1) return;
  predecessor_ = ring.peer_at((at + n - 1) % n);
  std::array<PeerId, SuccessorList::kMax> tail{};
  std::uint32_t count = 0;
  for (std::size_t k = 2; k <= params_->successors && k < n && count < tail.size(); ++k) {
    tail[count++] = ring.peer_at((at + k) % n);
  }
  successors_.assign(self_, ring.peer_at((at + 1) % n), {tail.data(), count}, params_->successors);
  const PeerId succ = successors_.front();
  const std::uint64_t reach = distance(id_, id_of(succ));
  for (unsigned i = 0; i < FingerTable::kSize; ++i) {
    if ((std::uint64_t{1} << i) <= reach) {
      fingers_.set(i, succ);
    } else {
      fingers_.set(i, ring.successor(finger_start(id_, i)));
    }
  }
  next_finger_ = 0;
}

// --- Helpers ----------------------------------------------------------------

void Node::send(Context& ctx, PeerId to, const Message& m) const {
  std::array<std::byte, kMaxMessageSize> buffer;
  ctx.send(to, encode(m, buffer));
}

Duration Node::jittered(Context& ctx, Duration period) const {
  const double f = 1.0 - params_->jitter + 2.0 * params_->jitter * ctx.rng().uniform01();
  return Duration{std::max<std::int64_t>(1, std::llround(static_cast<double>(period.ns) * f))};
}

std::uint32_t Node::next_nonce(std::uint32_t slot) {
  // The slot rides in the low bits so a reply finds its lookup directly;
  // zero stays free to mean "nothing outstanding".
  std::uint32_t nonce = 0;
  while (nonce == 0) nonce = (++nonce_counter_ * kMaxPending) | slot;
  return nonce;
}

std::uint64_t Node::tag_of(TimerKind kind, std::uint32_t slot, std::uint32_t nonce) {
  return timer_tag(ProtocolId::kChord, static_cast<std::uint64_t>(kind) | (static_cast<std::uint64_t>(slot) << 8U) |
                                           (static_cast<std::uint64_t>(nonce) << 16U));
}

}  // namespace p2pgrid::chord
