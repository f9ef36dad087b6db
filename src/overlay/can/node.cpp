#include "p2pgrid/overlay/can/node.hpp"

#include <algorithm>
#include <string>

#include "p2pgrid/overlay/can/face_cover.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"

namespace p2pgrid::can {
namespace {

constexpr std::uint32_t to_ms(Duration d) {
  const std::int64_t ms = d.ns / 1'000'000;
  return ms < 0 ? 0U : (ms > 0xFFFFFFFFLL ? 0xFFFFFFFFU : static_cast<std::uint32_t>(ms));
}

/// Level sum of the largest zone: the size rank used by the takeover and
/// leave rules ("the smallest zone takes over", CAN §2.3).
int largest_level(std::span<const Zone> zones) {
  int best = 1 << 20;
  for (const Zone& z : zones) best = std::min(best, z.level_sum());
  return best;
}

constexpr int kFaceCheckBudget = 512;

double total_volume(std::span<const Zone> zones) {
  double v = 0;
  for (const Zone& z : zones) v += z.volume();
  return v;
}

}  // namespace

Node::Node(PeerId self, const Params& params)
    : params_(&params),
      self_(self),
      dims_(static_cast<std::uint8_t>(params.dims())),
      point_(point_of(params.capabilities, params.seed, self, params.resources, params.virtual_dim)) {}

// --- standalone -------------------------------------------------------------

void Node::on_start(Context& ctx) {
  NullUpcalls up;
  start(ctx, up);
}

void Node::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
  NullUpcalls up;
  MessageLease lease;
  Message& m = lease.get();
  decode(bytes, dims_, m);
  handle(ctx, up, from, m);
}

void Node::on_timer(Context& ctx, std::uint64_t tag) {
  NullUpcalls up;
  handle_timer(ctx, up, tag);
}

void Node::on_leave(Context& ctx) {
  NullUpcalls up;
  leave(ctx, up);
}

void Node::on_finish(Context& ctx, bool alive) const { record_zones(ctx, alive); }

void Node::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Upcalls& up) {
  MessageLease lease;  // fixed arrays, reused: no heap and no zero fill per message
  Message& m = lease.get();
  decode(bytes, dims_, m);
  if (!handle(ctx, up, from, m)) ctx.log("CAN workload message in a grid stack; dropped");
}

// --- lifecycle --------------------------------------------------------------

void Node::start(Context& ctx, Upcalls& /*up*/) {
  if (phase_ == Phase::kJoined) {  // installed by the oracle bootstrap
    arm_update(ctx);
    return;
  }
  if (params_->bootstrap == Bootstrap::kJoin && self_.value == 0 && ctx.now() == Time::zero()) {
    zones_.assign(1, Zone{});  // the first peer owns the whole space
    faces_clean_ = false;
    phase_ = Phase::kJoined;
    arm_update(ctx);
    return;
  }
  phase_ = Phase::kJoining;
  send_join(ctx);
}

void Node::send_join(Context& ctx) {
  const PeerId contact = params_->contact(self_, join_attempts_++);
  if (contact.valid()) {
    RouteMsg m;
    m.origin = self_;
    m.kind = RouteKind::kJoin;
    m.target = point_;
    send(ctx, contact, m);
  }
  join_timer_ = ctx.set_timer(params_->join_timeout, can_timer(TimerKind::kJoinRetry));
}

void Node::rejoin(Context& ctx) {
  zones_.clear();
  faces_clean_ = false;
  table_.clear();
  ctx.cancel(update_timer_);
  ctx.cancel(takeover_timer_);
  takeover_at_ = Time::never();
  phase_ = Phase::kJoining;
  send_join(ctx);
}

void Node::arm_update(Context& ctx) {
  // +-25% jitter from the peer's own stream keeps updates from synchronising.
  const std::int64_t period = params_->update_period.ns;
  const auto jitter = static_cast<std::int64_t>(ctx.rng().below(static_cast<std::uint64_t>(period / 2) + 1));
  update_timer_ = ctx.set_timer(Duration{period - period / 4 + jitter}, can_timer(TimerKind::kUpdate));
}

bool Node::handle_timer(Context& ctx, Upcalls& up, std::uint64_t tag) {
  if (protocol_of_tag(tag) != ProtocolId::kCan) return false;
  switch (kind_of_timer(tag)) {
    case TimerKind::kUpdate:
      if (phase_ != Phase::kJoined) return true;
      check_silent(ctx, up);
      if (phase_ == Phase::kJoined) {
        // The neighbour list (discovery, heirs) rides on every third
        // periodic update and on every update after a change; the others
        // carry zones and load only, which is all a steady state needs.
        const bool listed = ++ticks_ % kListEvery == 0;
        announce(ctx, up, {}, listed);
        if (listed) check_faces(ctx, up);
        if (reprobe_ > 0) {
          --reprobe_;
          for (std::size_t i = 0; i < zones_.size(); ++i) probe_faces(ctx, up, zones_[i]);
        }
        arm_update(ctx);
      }
      return true;
    case TimerKind::kJoinRetry:
      if (phase_ == Phase::kJoining) send_join(ctx);
      return true;
    case TimerKind::kTakeover:
      takeover_at_ = Time::never();
      if (phase_ == Phase::kJoined) check_silent(ctx, up);
      return true;
    default:
      return false;
  }
}

void Node::leave(Context& ctx, Upcalls& /*up*/) {
  if (phase_ != Phase::kJoined || table_.empty()) return;
  // The heir: the live neighbour with the smallest total volume, ties to
  // the lower id (CAN §2.3 hands a departing zone to the smallest neighbour).
  const Time since = alive_since(ctx);
  PeerId heir = PeerId::none();
  double best = 2.0;
  for (const auto [n, zones] : table_.with_zones()) {
    if (n.last_heard < since) continue;
    const double v = total_volume(zones);
    if (v < best) {
      best = v;
      heir = n.id;
    }
  }
  if (!heir.valid()) return;
  HandoverMsg h;
  for (const Zone& z : zones_) {
    if (!h.zones.full()) h.zones.push_back(z);
  }
  fill_entries(ctx, h.entries, nullptr);
  send(ctx, heir, h);
  const LeaveMsg l{heir};
  for (const Neighbour& n : table_.neighbours()) {
    if (n.id != heir) send(ctx, n.id, l);
  }
}

// --- routing ----------------------------------------------------------------

bool Node::owns(const Point& p) const {
  return std::any_of(zones_.begin(), zones_.end(), [&](const Zone& z) { return z.contains(p); });
}

bool Node::route(Context& ctx, Upcalls& up, const Point& point, std::span<const std::byte> payload) {
  if (phase_ != Phase::kJoined) return false;
  RouteMsg m;
  m.origin = self_;
  m.kind = RouteKind::kApp;
  m.target = point;
  m.payload = payload;
  forward(ctx, up, m);
  return true;
}

void Node::forward(Context& ctx, Upcalls& up, RouteMsg m) {
  if (phase_ != Phase::kJoined) return;  // not part of the space (yet): drop
  if (owns(m.target)) {
    if (m.kind == RouteKind::kJoin) {
      accept_join(ctx, up, m.origin, m.target);
    } else if (m.kind == RouteKind::kHello) {
      if (m.origin != self_ && table_.find(m.origin) == nullptr) {
        UpdateMsg intro;
        intro.point = point_;
        intro.load = up.local_load();
        for (const Zone& z : zones_) {
          if (!intro.zones.full()) intro.zones.push_back(z);
        }
        fill_entries(ctx, intro.entries, nullptr);
        send(ctx, m.origin, intro);
      }
    } else {
      up.on_routed(ctx, m.target, m.payload, m.hops);
    }
    return;
  }
  if (m.hops >= params_->max_hops) {
    ctx.log("CAN route dropped after max_hops");
    return;
  }
  std::uint64_t next_distance = 0;
  const PeerId next = table_.next_hop(m.target, alive_since(ctx), &next_distance);
  std::uint64_t mine = ~std::uint64_t{0};
  for (const Zone& z : zones_) mine = std::min(mine, z.distance(m.target));
  if (!next.valid() || (m.hops > 0 && next_distance >= mine)) {
    // With exact tables some neighbour is always nearer; none means the
    // target lies in a dead zone not yet taken over: drop, do not loop.
    // The first hop is exempt: a face probe targets the unknown peer just
    // beyond our own face, and a neighbour of ours may know it.
    ctx.log("CAN route dropped: no live neighbour nearer the target");
    return;
  }
  ++m.hops;
  send(ctx, next, m);
}

// --- join -------------------------------------------------------------------

void Node::accept_join(Context& ctx, Upcalls& up, PeerId joiner, const Point& point) {
  if (joiner == self_) return;
  const auto it = std::find_if(zones_.begin(), zones_.end(), [&](const Zone& z) { return z.contains(point); });
  Zone given;
  faces_clean_ = false;
  if (zones_.size() > 1) {
    // Holding several zones (after a takeover): give one away whole.
    given = *it;
    zones_.erase(it);
  } else {
    // Keep our own point inside our zone when the zone still holds it, so
    // both peers sit in zones around their capabilities (paper §3).
    const Point& keep = it->contains(point_) ? point_ : point;
    const JoinSplit split = join_split(*it, dims_, keep, point, params_->join_rule, params_->virtual_index());
    if (split.dim < 0) {
      JoinReplyMsg no;
      no.ok = false;
      send(ctx, joiner, no);
      return;
    }
    const auto [low, high] = it->split_along(split.dim);
    given = split.joiner_low ? low : high;
    *it = split.joiner_low ? high : low;
  }
  JoinReplyMsg reply;
  reply.ok = true;
  reply.zone = given;
  for (const Zone& z : zones_) {
    if (z.abuts(given) && !reply.entries.full()) reply.entries.push_back(Entry{self_, point_, 0, PeerId::none(), z});
  }
  fill_entries(ctx, reply.entries, &given);
  send(ctx, joiner, reply);

  // Tell the old neighbourhood (before pruning) that this zone shrank.
  std::vector<PeerId> old;
  old.reserve(table_.size());
  for (const Neighbour& n : table_.neighbours()) old.push_back(n.id);
  table_.upsert(joiner, into_zone(given, point, params_->virtual_index()), 0, ctx.now(),
                std::span<const Zone>(&given, 1));
  prune_table();
  announce(ctx, up, old);
}

void Node::on_join_reply(Context& ctx, Upcalls& up, PeerId /*from*/, const JoinReplyMsg& m) {
  if (!m.ok) {
    if (phase_ == Phase::kJoining) {
      phase_ = Phase::kRefused;
      ctx.cancel(join_timer_);
      ctx.log("CAN join refused: the zone holding this point cannot be split");
    }
    return;
  }
  if (phase_ == Phase::kJoining) {
    zones_.assign(1, m.zone);
    faces_clean_ = false;
    // The owner may have given the half its own point left free (JoinRule::kOwnPoint).
    point_ = into_zone(m.zone, point_, params_->virtual_index());
    phase_ = Phase::kJoined;
    ctx.cancel(join_timer_);
    arm_update(ctx);
  } else if (phase_ == Phase::kJoined) {
    // A late reply to a retried join: the zone is ours now, keep it.
    if (overlaps_mine(m.zone)) return;
    add_zones(std::span<const Zone>(&m.zone, 1));
  } else {
    return;
  }
  adopt_entries(ctx, up, m.entries.view(), self_);
  announce(ctx, up);
}

// --- neighbour maintenance --------------------------------------------------

void Node::on_update(Context& ctx, Upcalls& up, PeerId from, const UpdateMsg& m) {
  if (phase_ != Phase::kJoined || from == self_) return;
  const auto theirs = m.zones.view();
  ZoneContact contact;
  for (const Zone& z : theirs) {
    const ZoneContact c = contact_mine(z);
    contact.overlaps = contact.overlaps || c.overlaps;
    contact.abuts = contact.abuts || c.abuts;
  }
  const bool contested = contact.overlaps;
  if (contested && self_ < from) {
    // We keep the area; make sure the other claimant hears it even if it
    // is not (or no longer) in our table.
    UpdateMsg mine;
    mine.point = point_;
    mine.load = up.local_load();
    for (const Zone& z : zones_) {
      if (!mine.zones.full()) mine.zones.push_back(z);
    }
    send(ctx, from, mine);
  }
  if (contested && settle_overlaps(from, theirs)) {
    if (zones_.empty()) {
      rejoin(ctx);
      return;
    }
    // Introduce the winner to our neighbours around the area it keeps:
    // they are its neighbours now, and it may not know them (CAN §2.3:
    // the new owner of a zone must learn the zone's neighbours).
    UpdateMsg intro;
    intro.point = point_;
    intro.load = up.local_load();
    for (const Zone& z : zones_) {
      if (!intro.zones.full()) intro.zones.push_back(z);
    }
    fill_entries(ctx, intro.entries, nullptr);
    send(ctx, from, intro);
    prune_table();
    announce(ctx, up);
    // Our zones changed: the adjacency found above is stale.
    contact.abuts = std::any_of(theirs.begin(), theirs.end(), [&](const Zone& z) { return abuts_mine(z); });
  }
  const Time since = alive_since(ctx);
  const auto nb = table_.neighbours();
  if (std::any_of(nb.begin(), nb.end(), [&](const Neighbour& n) { return n.last_heard < since; })) {
    for (const Zone& z : theirs) table_.drop_covered(z, from, since);
  }
  const bool adjacent = contact.abuts;
  if (adjacent) {
    const bool is_new = table_.find(from) == nullptr;
    table_.upsert(from, m.point, m.load, ctx.now(), theirs);
    if (is_new && !m.correction) {
      // Welcome a neighbour that found us, so it learns our zones now
      // rather than at our next period (flagged: it must not answer).
      UpdateMsg welcome;
      welcome.point = point_;
      welcome.load = up.local_load();
      welcome.correction = true;
      for (const Zone& z : zones_) {
        if (!welcome.zones.full()) welcome.zones.push_back(z);
      }
      send(ctx, from, welcome);
    }
  } else {
    table_.erase(from);
    if (!m.correction && !contested) {
      // The sender holds a stale picture of our zones: show it the real
      // ones, or it would later take our area for a dead neighbour's.
      UpdateMsg fix;
      fix.point = point_;
      fix.load = up.local_load();
      fix.correction = true;
      for (const Zone& z : zones_) {
        if (!fix.zones.full()) fix.zones.push_back(z);
      }
      // With those of our neighbours that abut the sender: two joins that
      // split neighbouring zones at once leave each joiner pointing at the
      // other's old owner, and only that owner knows the new neighbour.
      for (const Zone& z : theirs) {
        if (!fix.entries.full()) fill_entries(ctx, fix.entries, &z);
      }
      send(ctx, from, fix);
    }
  }
  if (adjacent && !m.entries.view().empty()) learn_heir(ctx, from, m.entries.view());
  // Not a copy of the table's ids to compare with afterwards: that was a
  // heap allocation on nearly every event of a CAN run.
  FixedList<PeerId, kMaxEntries> added;
  if (!m.entries.view().empty()) adopt_entries(ctx, up, m.entries.view(), from, m.correction, &added);
  if (added.size != 0 && !m.correction) {
    // Greet the newcomers, in id order, so they add us too.
    UpdateMsg hello;
    hello.point = point_;
    hello.load = up.local_load();
    for (const Zone& z : zones_) {
      if (!hello.zones.full()) hello.zones.push_back(z);
    }
    const std::span<PeerId> ids = added.view();
    std::sort(ids.begin(), ids.end());
    for (const PeerId id : ids) send(ctx, id, hello);
  }
}

void Node::learn_heir(Context& ctx, PeerId of, std::span<const Entry> entries) {
  const Time now = ctx.now();
  const Time since = alive_since(ctx);
  PeerId heir = PeerId::none();
  double best = 2.0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (now - Duration::milliseconds(e.age_ms) < since) continue;  // not a live candidate
    if (i > 0 && entries[i - 1].peer == e.peer) continue;              // grouped: counted below
    double v = 0;
    for (std::size_t k = i; k < entries.size() && entries[k].peer == e.peer; ++k) v += entries[k].zone.volume();
    if (v < best || (v == best && e.peer < heir)) {
      best = v;
      heir = e.peer;
    }
  }
  table_.set_heir(of, heir);
  if (heir != self_) {
    heir_contacts_.erase(of);
    return;
  }
  // Whom to tell when we take `of` over: its neighbours, and the heirs of
  // its neighbours, who will own their zones if they die with it.
  static_assert(2 * kMaxEntries <= HeirContacts::kMaxGroup);
  FixedList<PeerId, 2 * kMaxEntries> contacts;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && entries[i - 1].peer == entries[i].peer) continue;
    if (entries[i].peer != self_) contacts.push_back(entries[i].peer);
    if (entries[i].heir.valid() && entries[i].heir != self_ && entries[i].heir != of) {
      contacts.push_back(entries[i].heir);
    }
  }
  heir_contacts_.assign(of, contacts.view());
}

void Node::adopt_entries(Context& ctx, Upcalls& up, std::span<const Entry> entries, PeerId skip, bool quiet,
                         FixedList<PeerId, kMaxEntries>* added) {
  const Time now = ctx.now();
  const Time since = alive_since(ctx);
  // Raw storage: a Zone array would be cleared (640 bytes) on every call.
  FixedList<Zone, kMaxZones> found;
  PeerId contested = PeerId::none();
  // Lists built by fill_entries without a filter are in peer order, so one
  // peer's entries are contiguous and the gathering below can stop at the
  // first other peer instead of scanning the rest of the list for each entry.
  const bool sorted = std::is_sorted(entries.begin(), entries.end(),
                                     [](const Entry& a, const Entry& b) { return a.peer < b.peer; });
  // A sorted list walks the id-sorted table in step (a merge) instead of
  // searching it per entry; `cursor` only moves forward, and an upsert
  // inserts at the cursor, so it stays valid.
  std::size_t cursor = 0;
  const auto in_table = [&](PeerId id) {
    if (!sorted) return table_.find(id) != nullptr;
    const auto nb = table_.neighbours();
    while (cursor < nb.size() && nb[cursor].id < id) ++cursor;
    return cursor < nb.size() && nb[cursor].id == id;
  };
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (e.peer == self_ || !e.peer.valid()) continue;
    const Time heard = now - Duration::milliseconds(e.age_ms);
    if (heard < since) continue;  // stale second-hand news
    const bool known = e.peer == skip || in_table(e.peer);
    if (known) continue;  // a known peer's own updates settle any clash
    const ZoneContact first = contact_mine(e.zone);
    if (first.overlaps) {
      if (quiet || e.peer == contested) continue;
      // Someone live claims part of our area (two takeovers of one dead
      // zone that never met): show it our zones so the two settle it.
      contested = e.peer;
      UpdateMsg mine;
      mine.point = point_;
      mine.load = up.local_load();
      for (const Zone& z : zones_) {
        if (!mine.zones.full()) mine.zones.push_back(z);
      }
      send(ctx, e.peer, mine);
      continue;
    }
    // Gather this peer's zones from the rest of the list (entries are grouped),
    // starting with this entry's, which is known not to overlap ours.
    found.size = 0;
    found.push_back(e.zone);
    bool adjacent = first.abuts;
    for (std::size_t k = i + 1; k < entries.size() && !found.full(); ++k) {
      if (entries[k].peer != e.peer) {
        if (sorted) break;
        continue;
      }
      const ZoneContact c = contact_mine(entries[k].zone);
      if (c.overlaps) continue;
      found.push_back(entries[k].zone);
      adjacent = adjacent || c.abuts;
    }
    if (!adjacent) continue;
    table_.upsert(e.peer, e.point, 0, heard, found.view());
    if (added != nullptr) added->push_back(e.peer);
  }
}

bool Node::settle_overlaps(PeerId other, std::span<const Zone> theirs) {
  // Two claims of one area (simultaneous takeovers): the lower id keeps
  // it; the other removes the intersection from its zones. Both sides
  // apply the same rule, so they agree without a further exchange.
  if (self_ < other) return false;
  bool changed = false;
  for (const Zone& t : theirs) {
    for (std::size_t i = 0; i < zones_.size();) {
      if (!zones_[i].overlaps(t)) {
        ++i;
        continue;
      }
      const Zone mine = zones_[i];
      zones_.erase(zones_.begin() + static_cast<std::ptrdiff_t>(i));
      const Zone cut = mine.intersection(t);
      for (const Zone& rest : subtract(mine, cut)) zones_.push_back(rest);
      changed = true;
    }
  }
  if (changed) merge_zones();
  return changed;
}

void Node::on_handover(Context& ctx, Upcalls& up, PeerId from, const HandoverMsg& m) {
  if (phase_ != Phase::kJoined) return;  // neighbours will take the zones over
  std::vector<Zone> taken;
  for (const Zone& z : m.zones.view()) {
    if (!overlaps_mine(z)) taken.push_back(z);
  }
  add_zones(taken);
  table_.erase(from);
  for (const Zone& z : taken) table_.drop_covered(z, self_, alive_since(ctx));
  adopt_entries(ctx, up, m.entries.view(), from);
  prune_table();
  std::vector<PeerId> extra;
  for (const Entry& e : m.entries.view()) extra.push_back(e.peer);
  announce(ctx, up, extra);
}

void Node::check_silent(Context& ctx, Upcalls& up) {
  const Time now = ctx.now();
  const Time since = alive_since(ctx);
  const int mine = largest_level(zones());
  Time earliest = Time::never();
  std::vector<PeerId> dead;
  std::vector<PeerId> ask;
  for (const auto [n, zones] : table_.with_zones()) {
    if (n.last_heard >= since) continue;
    if (n.heir.valid() && n.heir != self_ && table_.find(n.heir) == nullptr) ask.push_back(n.heir);
    // Takeover timer (CAN §2.3): the smaller my zone relative to the dead
    // one, the sooner I claim; a claim heard first cancels mine.
    Time claim_at = n.last_heard + params_->dead_after;
    if (n.heir != self_) {
      // Fallback for a dead heir: wait for the heir's claim to spread
      // (three update periods), then CAN's volume-ordered timers.
      const int rank = std::clamp(8 + largest_level(zones) - mine, 0, 16);
      claim_at = claim_at + params_->update_period * 3 + params_->takeover_step * rank;
    }
    if (claim_at <= now) {
      dead.push_back(n.id);
    } else {
      earliest = std::min(earliest, claim_at);
    }
  }
  bool changed = false;
  std::vector<Zone> taken_over;
  std::vector<PeerId> tell;
  for (const PeerId d : dead) {
    heir_contacts_.append_contacts(d, tell);
    heir_contacts_.erase(d);
    const std::vector<Zone> orphans(table_.zones_of(d).begin(), table_.zones_of(d).end());
    table_.erase(d);
    for (const Zone& z : orphans) {
      if (overlaps_mine(z)) continue;
      // Claimed already if a live neighbour's zone overlaps it.
      bool claimed = false;
      const auto all = table_.all_zones();
      std::size_t k = 0;
      for (const Neighbour& n : table_.neighbours()) {
        for (std::uint32_t j = 0; j < n.zone_count; ++j, ++k) {
          if (n.last_heard >= since && all[k].overlaps(z)) claimed = true;
        }
      }
      if (claimed || zones_.size() >= kMaxZones) continue;
      add_zones(std::span<const Zone>(&z, 1));
      taken_over.push_back(z);
      changed = true;
    }
  }
  if (changed) {
    prune_table();
    std::sort(tell.begin(), tell.end());
    tell.erase(std::unique(tell.begin(), tell.end()), tell.end());
    announce(ctx, up, tell);
    for (const Zone& z : taken_over) probe_faces(ctx, up, z);
    reprobe_ = 3;  // again at the next ticks: a face may still be a dead zone now
  }
  // A silent neighbour's heir may not know us: once it has taken the zone
  // over it abuts us, and our update makes it welcome us (else it answers
  // with a correction). Repeated each check while the neighbour is silent.
  if (!ask.empty()) {
    UpdateMsg hello;
    hello.point = point_;
    hello.load = up.local_load();
    for (const Zone& z : zones_) {
      if (!hello.zones.full()) hello.zones.push_back(z);
    }
    std::sort(ask.begin(), ask.end());
    ask.erase(std::unique(ask.begin(), ask.end()), ask.end());
    for (const PeerId p : ask) {
      if (table_.find(p) == nullptr) send(ctx, p, hello);
    }
  }
  if (earliest < takeover_at_) {
    ctx.cancel(takeover_timer_);
    takeover_at_ = earliest;
    takeover_timer_ = ctx.set_timer(earliest - now, can_timer(TimerKind::kTakeover));
  }
}

void Node::probe_faces(Context& ctx, Upcalls& up, const Zone& z) {
  // Route a hello to the point just beyond the centre of each face of a
  // zone taken over: its owner is a neighbour we may not know yet, when
  // the dead peer's other neighbours died too and nobody can introduce us.
  for (int d = 0; d < dims_; ++d) {
    for (const bool upper : {false, true}) {
      Point p;
      for (int k = 0; k < kMaxDims; ++k) {
        p.x[static_cast<std::size_t>(k)] = static_cast<std::uint32_t>(z.lo(k) + (z.width(k) >> 1U));
      }
      if (upper) {
        if (z.hi(d) >= kSpan) continue;
        p.x[static_cast<std::size_t>(d)] = static_cast<std::uint32_t>(z.hi(d));
      } else {
        if (z.lo(d) == 0) continue;
        p.x[static_cast<std::size_t>(d)] = z.lo(d) - 1;
      }
      if (owns(p)) continue;
      RouteMsg m;
      m.origin = self_;
      m.kind = RouteKind::kHello;
      m.target = p;
      forward(ctx, up, m);
    }
  }
}

void Node::check_faces(Context& ctx, Upcalls& up) {
  // Every face of every zone we hold must be covered by neighbours' zones
  // (or our own, or the space's boundary). A gap means a neighbour nobody
  // introduced (its zone changed hands while our common neighbours died):
  // route a hello into the gap, and its owner introduces itself.
  // The answer depends on those zones alone: in a steady state it is the
  // same every time, and recomputing it was 4% of a 100,000-peer run.
  if (faces_known_covered()) return;
  const auto gaps = face_gaps();
  for (const Point& gap : gaps) {
    RouteMsg m;
    m.origin = self_;
    m.kind = RouteKind::kHello;
    m.target = gap;
    forward(ctx, up, m);
  }
  faces_clean_ = gaps.empty();
  faces_checked_edits_ = table_.zone_edits();
}

boost::container::small_vector<Point, 8> Node::face_gaps() const {
  std::vector<Box> known;
  known.reserve(table_.all_zones().size() + zones_.size());
  for (const Zone& z : table_.all_zones()) known.push_back(box_of(z));
  for (const Zone& z : zones_) known.push_back(box_of(z));
  boost::container::small_vector<Point, 8> gaps;
  for (const Zone& z : zones_) {
    for (int d = 0; d < dims_ && gaps.size() < 4; ++d) {
      for (const bool upper : {false, true}) {
        if (upper ? z.hi(d) >= kSpan : z.lo(d) == 0) continue;
        Box face = box_of(z);
        const auto i = static_cast<std::size_t>(d);
        face.lo[i] = upper ? z.hi(d) : z.lo(d) - 1;
        face.hi[i] = face.lo[i] + 1;
        Point gap;
        if (face_covered(face, known)) continue;
        int budget = kFaceCheckBudget;
        if (!find_uncovered(face, known, dims_, d, 24, gap, budget)) continue;
        gaps.push_back(gap);
      }
    }
  }
  return gaps;
}

void Node::add_zones(std::span<const Zone> zones) {
  zones_.insert(zones_.end(), zones.begin(), zones.end());
  merge_zones();
}

void Node::merge_zones() {
  // Background reassignment, local part: sibling zones held by one peer
  // become their parent again, so takeovers do not fragment the space.
  // Every change of our zones after a join ends here (add_zones,
  // settle_overlaps), so this is where the face check learns of it.
  faces_clean_ = false;
  bool merged = true;
  while (merged) {
    merged = false;
    for (std::size_t i = 0; i < zones_.size() && !merged; ++i) {
      for (std::size_t j = i + 1; j < zones_.size(); ++j) {
        if (zones_[i].mergeable(zones_[j])) {
          zones_[i] = zones_[i].merged(zones_[j]);
          zones_.erase(zones_.begin() + static_cast<std::ptrdiff_t>(j));
          merged = true;
          break;
        }
      }
    }
  }
  std::sort(zones_.begin(), zones_.end(), [](const Zone& a, const Zone& b) { return a.before(b); });
}

void Node::prune_table() {
  std::vector<PeerId> gone;
  for (const auto [n, zs] : table_.with_zones()) {
    if (std::none_of(zs.begin(), zs.end(), [&](const Zone& z) { return abuts_mine(z); })) gone.push_back(n.id);
  }
  for (const PeerId p : gone) table_.erase(p);
  heir_contacts_.retain([&](PeerId of) { return table_.find(of) != nullptr; });
}

void Node::fill_entries(Context& ctx, FixedList<Entry, kMaxEntries>& out, const Zone* around) const {
  const auto all = table_.all_zones();
  std::size_t k = 0;
  for (const Neighbour& n : table_.neighbours()) {
    const std::uint32_t age = to_ms(ctx.now() - n.last_heard);
    for (std::uint32_t j = 0; j < n.zone_count; ++j, ++k) {
      if (out.full()) return;
      if (around != nullptr && !all[k].abuts(*around)) continue;
      out.push_back(Entry{n.id, n.point, age, n.heir, all[k]});
    }
  }
}

void Node::announce(Context& ctx, Upcalls& up, std::span<const PeerId> extra, bool with_list) {
  UpdateMsg m;
  m.point = point_;
  m.load = up.local_load();
  for (const Zone& z : zones_) {
    if (!m.zones.full()) m.zones.push_back(z);
  }
  if (with_list) fill_entries(ctx, m.entries, nullptr);
  BufferWriter<kMaxMessageBytes> w;
  const auto bytes = encode(w, dims_, m);
  for (const Neighbour& n : table_.neighbours()) ctx.send(n.id, bytes);
  for (const PeerId p : extra) {
    if (p != self_ && table_.find(p) == nullptr) ctx.send(p, bytes);
  }
}

bool Node::abuts_mine(const Zone& z) const {
  return std::any_of(zones_.begin(), zones_.end(), [&](const Zone& m) { return m.abuts(z); });
}

ZoneContact Node::contact_mine(const Zone& z) const {
  ZoneContact any;
  for (const Zone& m : zones_) {
    const ZoneContact c = m.contact(z);
    any.overlaps = any.overlaps || c.overlaps;
    any.abuts = any.abuts || c.abuts;
  }
  return any;
}

bool Node::overlaps_mine(const Zone& z) const {
  return std::any_of(zones_.begin(), zones_.end(), [&](const Zone& m) { return m.overlaps(z); });
}

Time Node::alive_since(Context& ctx) const { return ctx.now() - params_->dead_after; }

void Node::send(Context& ctx, PeerId to, const auto& message) const {
  BufferWriter<kMaxMessageBytes> w;
  ctx.send(to, encode(w, dims_, message));
}

// --- dispatch ---------------------------------------------------------------

bool Node::handle(Context& ctx, Upcalls& up, PeerId from, const Message& message) {
  switch (message.index()) {
    case 0: forward(ctx, up, std::get<RouteMsg>(message)); return true;
    case 1: on_join_reply(ctx, up, from, std::get<JoinReplyMsg>(message)); return true;
    case 2: on_update(ctx, up, from, std::get<UpdateMsg>(message)); return true;
    case 3:
      // The leaver's zones go to the heir; until its update covers them,
      // treat the leaver as silent so a lost hand-over is taken over.
      if (phase_ == Phase::kJoined) {
        const Neighbour* n = table_.find(from);
        if (n != nullptr) table_.touch(from, n->load, ctx.now() - params_->dead_after - Duration{1});
        check_silent(ctx, up);
      }
      return true;
    case 4: on_handover(ctx, up, from, std::get<HandoverMsg>(message)); return true;
    default: return false;
  }
}

// --- output and accounting --------------------------------------------------

void Node::record_zones(Context& ctx, bool alive) const {
  for (std::size_t i = 0; i < zones_.size(); ++i) {
    ZoneRecord r{};
    r.peer = self_.value;
    r.zone = static_cast<std::uint32_t>(i);
    r.alive = alive ? 1U : 0U;
    r.zones = static_cast<std::uint32_t>(zones_.size());
    for (int d = 0; d < kMaxDims; ++d) {
      r.lo[d] = to_unit(zones_[i].lo(d));
      r.hi[d] = to_unit(zones_[i].hi(d));
      r.point[d] = to_unit(point_.x[static_cast<std::size_t>(d)]);
    }
    ctx.trace().record(r);
  }
}

std::size_t Node::heap_bytes() const {
  const std::size_t own = zones_.capacity() > kInlineZones ? zones_.capacity() * sizeof(Zone) : 0;
  return own + table_.heap_bytes() + heir_contacts_.heap_bytes();
}

void Node::oracle_install(std::vector<Zone> zones, NeighbourTable table) {
  zones_.assign(zones.begin(), zones.end());
  faces_clean_ = false;
  if (zones_.size() == 1) point_ = into_zone(zones_.front(), point_, params_->virtual_index());
  table_ = std::move(table);
  table_.shrink_to_fit();
  zones_.shrink_to_fit();
  phase_ = Phase::kJoined;
}

}  // namespace p2pgrid::can
