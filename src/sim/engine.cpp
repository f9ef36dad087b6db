#include "p2pgrid/sim/engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/huge_page_allocator.hpp"
#include "p2pgrid/sim/batch.hpp"
#include "p2pgrid/sim/checkpoint.hpp"
#include "p2pgrid/sim/event_queue.hpp"
#include "p2pgrid/sim/size_class.hpp"
#include "p2pgrid/sim/traffic_record.hpp"

namespace p2pgrid {
namespace {

enum class EventKind : std::uint8_t { kMessage, kTimer, kStart, kCrash, kRestart, kLeave };

/// Engine-generated events sort after protocol events at the same instant
/// and are numbered by kind and index, so their keys are unique too.
constexpr std::uint32_t kEngineSrc = PeerId::none().value;
constexpr std::uint64_t engine_seq(EventKind kind, std::uint64_t index) {
  return (static_cast<std::uint64_t>(kind) << 56U) | index;
}

EventKind to_event_kind(FaultAction a) {
  switch (a) {
    case FaultAction::kCrash: return EventKind::kCrash;
    case FaultAction::kRestart: return EventKind::kRestart;
    case FaultAction::kLeave: return EventKind::kLeave;
  }
  throw std::logic_error("unknown fault action");
}

/// Payloads up to this size live inside the message body, in the cache
/// lines dispatch reads anyway; most protocol messages fit.
constexpr std::size_t kInlinePayload = 116;
constexpr std::uint32_t kNoOverflow = 0xFFFFFFFFU;
/// Event slots name one of two pools: message bodies (this bit set) and
/// the small bodies of timers and engine events. Most pending events are
/// timers, so they must not pay for a payload buffer.
constexpr std::uint32_t kMessageSlot = 0x80000000U;

/// A pending timer or engine event (start, crash, restart, leave).
struct TimerBody {
  std::uint64_t tag = 0;
  /// The owner. Dispatch reads the target from the key; cancel checks this,
  /// so a peer cannot cancel another's timer with a forged id.
  std::uint32_t dst_slot = 0;
  std::uint32_t generation = 0;   ///< bumped on every reuse; validates TimerIds
  std::uint32_t incarnation = 0;  ///< a timer dies if its peer restarted since
  EventKind kind = EventKind::kTimer;
  bool cancelled = false;
  bool live = false;
};
static_assert(sizeof(TimerBody) == 24);

/// A message in flight: two cache lines. Slots are recycled through free
/// lists, and so are overflow buffers (which keep their capacity), so
/// steady state allocates nothing.
struct MessageBody {
  std::uint32_t from = 0;
  std::uint32_t length = 0;              ///< payload bytes
  std::uint32_t overflow = kNoOverflow;  ///< index of an overflow buffer for long payloads
  std::array<std::byte, kInlinePayload> inline_payload;
};
static_assert(sizeof(MessageBody) == 128);

/// Per protocol id (the first header byte; 0 for anything else).
struct TrafficCount {
  std::uint64_t sent = 0, sent_bytes = 0, received = 0, received_bytes = 0;
};
constexpr std::size_t kTrafficProtocols = 6;
using PeerTraffic = std::array<TrafficCount, kTrafficProtocols>;
static_assert(sizeof(PeerTraffic) == 192, "the trace.traffic key's doc (src/app/scenario.cpp) states 192 bytes per peer");
static_assert(kTrafficProtocols * 4 * 8 == kPeerTrafficBytes, "PeerCheckpoint::traffic holds every count");

std::size_t traffic_protocol(std::span<const std::byte> bytes) {
  const auto id = bytes.empty() ? std::size_t{0} : static_cast<std::size_t>(bytes[0]);
  return id < kTrafficProtocols ? id : 0;
}

/// Per-peer engine state: 24 bytes.
struct PeerState {
  std::uint64_t seq = 0;  ///< next sequence number for this peer's sends and timers
  Rng rng;
  std::uint32_t incarnation = 0;
  bool alive = false;
};

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024U;  // Linux reports KiB
}

/// Timer handles in a checkpoint (docs/checkpoint.md, "Timers"). A handle
/// names a slot of this rank's timer pool and its generation; the
/// checkpoint names the timer by its owner's sequence number (unique per
/// peer, and the timer event's own key), so any rank can find it again.
/// Saved values: 0 none, 1 a handle whose timer is gone (fired, or its slot
/// reused: it matches nothing, but is not "none"), seq + 2 a pending timer.
constexpr std::uint64_t kSavedNoTimer = 0;
constexpr std::uint64_t kSavedStaleTimer = 1;
constexpr std::uint64_t kSavedTimerBase = 2;
/// What a stale handle becomes: valid(), but its slot is past any pool.
constexpr std::uint64_t kStaleTimerHandle = 0xFFFFFFFFU;

class SavedTimers final : public CheckpointTimers {
 public:
  explicit SavedTimers(std::span<const TimerBody> timers) : pool(timers), seq(timers.size(), 0) {}
  [[nodiscard]] std::uint64_t save(std::uint64_t timer) const override {
    if (timer == 0) return kSavedNoTimer;
    const auto s = static_cast<std::uint32_t>(timer & 0xFFFFFFFFU);
    const auto generation = static_cast<std::uint32_t>(timer >> 32U);
    if (s >= pool.size()) return kSavedStaleTimer;
    const TimerBody& body = pool[s];
    if (!body.live || body.generation != generation || body.kind != EventKind::kTimer || body.dst_slot != owner) {
      return kSavedStaleTimer;
    }
    return seq[s] + kSavedTimerBase;
  }
  [[nodiscard]] std::uint64_t restore(std::uint64_t /*saved*/) const override {
    throw std::logic_error("SavedTimers::restore");
  }

  std::span<const TimerBody> pool;
  std::vector<std::uint64_t> seq;  ///< by timer slot: the pending timer's sequence number
  std::uint32_t owner = 0;         ///< the slot of the peer being saved
};

class RestoredTimers final : public CheckpointTimers {
 public:
  [[nodiscard]] std::uint64_t save(std::uint64_t /*timer*/) const override {
    throw std::logic_error("RestoredTimers::save");
  }
  [[nodiscard]] std::uint64_t restore(std::uint64_t saved) const override {
    if (saved == kSavedNoTimer) return 0;
    if (saved == kSavedStaleTimer) return kStaleTimerHandle;
    const auto it = handles.find({owner, saved - kSavedTimerBase});
    if (it == handles.end()) {
      throw CheckpointError("a timer handle names sequence number " + std::to_string(saved - kSavedTimerBase) +
                            ", not a pending timer of its peer");
    }
    return it->second;
  }

  struct KeyHash {
    std::size_t operator()(const std::pair<std::uint32_t, std::uint64_t>& k) const {
      return std::hash<std::uint64_t>()(k.second * 0x9E3779B97F4A7C15ULL ^ k.first);
    }
  };
  /// (peer slot, sequence number) -> the restored timer's handle.
  std::unordered_map<std::pair<std::uint32_t, std::uint64_t>, std::uint64_t, KeyHash> handles;
  std::uint32_t owner = 0;  ///< the slot of the peer being restored
};

}  // namespace

class Engine::Shard final : public Context {
 public:
  Shard(EngineParams params, const NetworkModel& network, const FaultPlan& faults, const Partition& partition,
        Exchanger& exchanger, TraceSink& trace, const ProtocolFactory& factory)
      : params_(std::move(params)),
        network_(network),
        faults_(faults),
        partition_(partition),
        exchanger_(exchanger),
        trace_(trace),
        outbox_(static_cast<std::size_t>(exchanger.size())),
        inbox_(static_cast<std::size_t>(exchanger.size())) {
    if (network_.lookahead().ns <= 0) throw std::invalid_argument("network.min_latency must be positive");
    const int me = exchanger_.rank();
    slot_of_.assign(params_.peers, kNoSlot);
    for (std::uint32_t p = 0; p < params_.peers; ++p) {
      if (partition_.rank_of(PeerId{p}) == me) {
        slot_of_[p] = static_cast<std::uint32_t>(shard_.peers.size());
        shard_.peers.push_back(PeerId{p});
      }
    }
    contiguous_ = !shard_.peers.empty() &&
                  shard_.peers.back().value - shard_.peers.front().value + 1 == shard_.peers.size();
    first_local_ = shard_.peers.empty() ? 0 : shard_.peers.front().value;
    peers_.resize(shard_.peers.size());
    if (params_.traffic) traffic_.resize(shard_.peers.size());
    for (std::size_t s = 0; s < shard_.peers.size(); ++s) {
      peers_[s].rng = Rng(params_.seed, shard_.peers[s], Purpose::kProtocol);
    }
    protocol_ = factory(shard_);
    prefetch_heap_ = protocol_->prefetches_heap();
    schedule_starts_and_faults();
    stats_.rank = me;
    stats_.peers = shard_.peers.size();
  }

  EngineStats run(const WindowObserver& observer) {
    const auto wall_start = std::chrono::steady_clock::now();
    const Duration lookahead = network_.lookahead();
    Time start = exchange(queue_.next_time());
    // Run at least one window per call: a stop asked for before it (a
    // checkpoint period already due again) waits for the next boundary.
    stop_agreed_ = false;
    stopped_ = false;
    // Idle checks at the multiples of the period from the first one not
    // before `start` (a resumed run checks where the uninterrupted one would).
    const std::int64_t period = params_.idle_check.ns;
    Time next_check = period > 0 ? Time{std::max<std::int64_t>(1, (start.ns + period - 1) / period) * period}
                                 : Time::never();
    while (start < params_.end) {
      if (start >= params_.stop_at || stop_agreed_) {
        // Every rank agreed on `start`, so every rank stops here; the
        // cross-rank messages of the last window are in the queues.
        stopped_ = true;
        stopped_at_ = start;
        break;
      }
      if (next_check <= start) {
        // No event lies before next_check: the state there is the current one.
        if (idle_everywhere()) {
          params_.end = next_check;
          stats_.sim_end_ns = next_check.ns;
          break;
        }
        next_check = Time{(start.ns / period + 1) * period};
      }
      // A check instant ends a window, so the check sees every event before it and none after.
      const Time window_end = std::min({Time{start.ns + lookahead.ns}, params_.end, next_check});
      while (!queue_.empty() && queue_.top().time < window_end.ns) {
        const EventKey key = queue_.pop();
        if (!queue_.empty()) {
          // Two deep: the next event's peer state was prefetched one event
          // ago (as the one after next), so its heap tables can load now.
          const EventKey& next = queue_.top();
          prefetch(next);
          if (prefetch_heap_) {
            protocol_->prefetch_heap(next.dst);
            if (const EventKey* after = queue_.second()) protocol_->prefetch(after->dst);
          }
        }
        dispatch(key);
      }
      ++stats_.windows;
      stats_.sim_end_ns = window_end.ns;
      if (window_end == next_check) {
        if (idle_everywhere()) {
          params_.end = window_end;
          break;
        }
        next_check = Time{next_check.ns + period};
      }
      start = exchange(queue_.next_time());
      if (observer) observer(start, global_events_, stats_);
    }
    if (!stopped_) finish();
    // Summed: periodic checkpoints split one process's run into several
    // calls, and the counts beside it (events, messages) cover all of them.
    stats_.wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    stats_.peak_rss_bytes = peak_rss_bytes();
    return stats_;
  }

  Protocol& protocol() { return *protocol_; }
  const ShardPeers& shard() const { return shard_; }
  [[nodiscard]] bool stopped() const { return stopped_; }

  [[nodiscard]] MemoryUsage memory() const {
    MemoryUsage m;
    protocol_->memory(m);
    m.add("engine: peer table", capacity_bytes(peers_) + capacity_bytes(slot_of_) + capacity_bytes(traffic_) +
                                    capacity_bytes(shard_.peers));
    m.add("engine: event keys, timers", queue_.heap_bytes() + capacity_bytes(timers_) + capacity_bytes(free_timers_));
    m.add("engine: message bodies", capacity_bytes(messages_) + capacity_bytes(free_messages_));
    // Payloads longer than a body's inline bytes: a pool of buffers,
    // recycled by size class.
    std::uint64_t overflow = capacity_bytes(overflow_) + capacity_bytes(overflow_refs_) + capacity_bytes(overflow_payload_);
    for (const auto& free : overflow_free_) overflow += capacity_bytes(free);
    for (const auto& o : overflow_) overflow += o.capacity();
    m.add("engine: long payloads", overflow);
    std::uint64_t buffers = 0;
    for (const auto& b : outbox_) buffers += b.capacity();
    for (const auto& b : inbox_) buffers += b.capacity();
    m.add("engine: exchange buffers", buffers + capacity_bytes(outbox_) + capacity_bytes(inbox_));
    m.add("trace buffers", trace_.buffered_bytes());
    return m;
  }
  [[nodiscard]] Time stopped_at() const { return stopped_at_; }

  std::vector<std::byte> save() {
    if (!stopped_) throw std::logic_error("Engine::save() before run() stopped at stop_at");
    std::vector<std::byte> out;
    std::vector<std::byte> scratch(kFirstPeerStateBuffer + kPeerTrafficBytes + 64);
    std::vector<std::byte> state(kFirstPeerStateBuffer);
    const auto append = [&](const auto& record) {
      Writer w(scratch);
      FieldWriter fw(w, FieldContext{});
      std::decay_t<decltype(record)>::fields(record, fw);
      out.insert(out.end(), w.bytes().begin(), w.bytes().end());
    };
    const auto append_count = [&](std::uint64_t n) {
      std::array<std::byte, 8> b{};
      Writer w(b);
      w.u64(n);
      out.insert(out.end(), w.bytes().begin(), w.bytes().end());
    };
    // Pending events in their order (the queue is drained and refilled, so
    // the file's bytes do not depend on the queue's internal layout).
    std::vector<EventKey> pending;
    while (!queue_.empty()) pending.push_back(queue_.pop());
    SavedTimers timers(timers_);
    for (const EventKey& key : pending) {
      if ((key.slot & kMessageSlot) == 0 && timers_[key.slot].kind == EventKind::kTimer) timers.seq[key.slot] = key.seq;
    }
    append_count(peers_.size());
    for (std::uint32_t s = 0; s < peers_.size(); ++s) {
      timers.owner = s;
      const std::span<const std::byte> bytes = save_state(s, timers, state);
      if (scratch.size() < bytes.size() + kPeerTrafficBytes + 64) scratch.resize(bytes.size() + kPeerTrafficBytes + 64);
      const PeerState& p = peers_[s];
      std::array<std::byte, kPeerTrafficBytes> counts{};
      Writer tw(counts);
      if (!traffic_.empty()) {
        for (const TrafficCount& t : traffic_[s]) {
          for (const std::uint64_t v : {t.sent, t.sent_bytes, t.received, t.received_bytes}) tw.u64(v);
        }
      }
      append(PeerCheckpoint{shard_.peers[s], p.seq, p.rng.state(), p.incarnation, p.alive, bytes, tw.bytes()});
    }
    append_count(pending.size());
    for (const EventKey& key : pending) {
      EventCheckpoint e;
      e.time = Time{key.time};
      e.seq = key.seq;
      e.src = PeerId{key.src};
      e.dst = shard_.peers[key.dst];
      if ((key.slot & kMessageSlot) != 0) {
        const MessageBody& body = messages_[key.slot & ~kMessageSlot];
        e.kind = EventCheckpoint::kMessage;
        e.payload = body.overflow == kNoOverflow ? std::span<const std::byte>(body.inline_payload.data(), body.length)
                                                 : std::span<const std::byte>(overflow_[body.overflow]);
      } else {
        const TimerBody& body = timers_[key.slot];
        e.kind = static_cast<std::uint8_t>(body.kind);
        e.tag = body.tag;
        e.incarnation = body.incarnation;
        e.cancelled = body.cancelled;
      }
      append(e);
    }
    for (const EventKey& key : pending) queue_.push(key);
    return out;
  }

  void restore(std::span<const std::span<const std::byte>> sections) {
    // Forget the initial state (starts and faults from time 0): the
    // checkpoint's pending events include whatever of them was still due.
    while (!queue_.empty()) queue_.pop();
    timers_.clear();
    free_timers_.clear();
    messages_.clear();
    free_messages_.clear();
    overflow_.clear();
    for (auto& free : overflow_free_) free.clear();
    overflow_refs_.clear();
    last_overflow_ = kNoOverflow;
    std::vector<bool> seen(peers_.size(), false);
    // The stacks' states are read after every pending event is back in the
    // queue: the timer handles they hold name those events (RestoredTimers).
    std::vector<std::span<const std::byte>> states(peers_.size());
    RestoredTimers timers;
    for (std::size_t i = 0; i < sections.size(); ++i) {
      Reader r(sections[i]);
      FieldReader fr(r, FieldContext{params_.peers, 0});
      const std::uint64_t npeers = r.u64("peer_count");
      for (std::uint64_t k = 0; k < npeers; ++k) {
        PeerCheckpoint p;
        PeerCheckpoint::fields(p, fr);
        if (!p.peer.valid() || p.peer.value >= params_.peers) r.fail("peer.id", "not a peer of this run");
        const std::uint32_t s = slot_of_[p.peer.value];
        if (s == kNoSlot) continue;
        if (seen[s]) r.fail("peer.id", "peer " + std::to_string(p.peer.value) + " appears twice");
        seen[s] = true;
        peers_[s].seq = p.seq;
        peers_[s].rng = Rng(p.rng);
        peers_[s].incarnation = p.incarnation;
        peers_[s].alive = p.alive;
        states[s] = p.state;
        // Counters exist on both sides or neither (trace.traffic is in the config hash).
        const std::size_t want = traffic_.empty() ? 0 : kPeerTrafficBytes;
        if (p.traffic.size() != want) {
          r.fail("peer.traffic", std::to_string(p.traffic.size()) + " bytes (this run keeps " + std::to_string(want) + ")");
        }
        if (!traffic_.empty()) {
          Reader tr(p.traffic);
          for (TrafficCount& t : traffic_[s]) {
            for (std::uint64_t* v : {&t.sent, &t.sent_bytes, &t.received, &t.received_bytes}) *v = tr.u64("peer.traffic");
          }
        }
      }
      const std::uint64_t nevents = r.u64("event_count");
      for (std::uint64_t k = 0; k < nevents; ++k) {
        EventCheckpoint e;
        EventCheckpoint::fields(e, fr);
        if (!e.dst.valid() || e.dst.value >= params_.peers) r.fail("event.dst", "not a peer of this run");
        const std::uint32_t dst = slot_of_[e.dst.value];
        if (dst == kNoSlot) continue;
        std::uint32_t body = 0;
        if (e.kind == EventCheckpoint::kMessage) {
          body = store_message(e.src.value, e.payload);
        } else {
          body = allocate_timer(static_cast<EventKind>(e.kind), dst);
          timers_[body].tag = e.tag;
          timers_[body].incarnation = e.incarnation;
          timers_[body].cancelled = e.cancelled;
          if (timers_[body].kind == EventKind::kTimer) {
            timers.handles[{dst, e.seq}] = (static_cast<std::uint64_t>(timers_[body].generation) << 32U) | body;
          }
        }
        queue_.push({e.time.ns, e.seq, e.src.value, body, dst});
      }
      r.expect_end();
    }
    for (std::uint32_t s = 0; s < seen.size(); ++s) {
      if (!seen[s])
        throw CheckpointError("the checkpoint has no record of peer " + std::to_string(shard_.peers[s].value));
    }
    for (std::uint32_t s = 0; s < seen.size(); ++s) {
      Reader state(states[s]);
      timers.owner = s;
      protocol_->restore_peer(s, state, FieldContext{params_.peers, 0, &timers});
      state.expect_end();
    }
  }

  // --- Context -----------------------------------------------------------
  [[nodiscard]] Time now() const override { return now_; }
  [[nodiscard]] PeerId self() const override {
    return contiguous_ ? PeerId{first_local_ + current_} : shard_.peers[current_];
  }
  [[nodiscard]] std::uint32_t slot() const override { return current_; }
  Rng& rng() override { return peers_[current_].rng; }
  TraceSink& trace() override { return trace_; }

  void log(std::string_view message) override {
    if (params_.log) std::clog << "[t=" << now_.ns << "ns peer " << self().value << "] " << message << '\n';
  }

  void send(PeerId to, std::span<const std::byte> bytes) override {
    if (muted_) return;
    if (to.value >= params_.peers) {
      throw std::out_of_range("peer " + std::to_string(self().value) + " sent to unknown peer " +
                              std::to_string(to.value));
    }
    const PeerId from = self();
    const std::uint64_t seq = peers_[current_].seq++;
    ++stats_.messages;
    if (!traffic_.empty()) {
      TrafficCount& t = traffic_[current_][traffic_protocol(bytes)];
      ++t.sent;
      t.sent_bytes += bytes.size();
    }
    switch (network_.fate(from, seq, to, now_)) {
      case Delivery::kLost: ++stats_.lost; return;
      case Delivery::kPartitioned: ++stats_.partitioned; return;
      case Delivery::kDelivered: break;
    }
    const Time arrival = now_ + network_.delay(from, to, bytes.size());
    if (const std::uint32_t dst = local_slot(to); dst != kNoSlot) {
      queue_.push({arrival.ns, seq, from.value, store_message(from.value, bytes), dst});
      return;
    }
    ++stats_.remote_messages;
    const int dest_rank = partition_.rank_of(to);
    append_batch_record(outbox_[static_cast<std::size_t>(dest_rank)], arrival, seq, from, to, bytes);
    earliest_outgoing_ = std::min(earliest_outgoing_, arrival);
  }

  TimerId set_timer(Duration delay, std::uint64_t tag) override {
    if (muted_) return {};
    if (delay.ns < 0) throw std::invalid_argument("negative timer delay");
    PeerState& peer = peers_[current_];
    const std::uint32_t s = allocate_timer(EventKind::kTimer, current_);
    TimerBody& body = timers_[s];
    body.tag = tag;
    body.incarnation = peer.incarnation;
    queue_.push({now_.ns + delay.ns, peer.seq++, self().value, s, current_});
    return TimerId{(static_cast<std::uint64_t>(body.generation) << 32U) | s};
  }

  void cancel(TimerId timer) override {
    const auto s = static_cast<std::uint32_t>(timer.value & 0xFFFFFFFFU);
    const auto generation = static_cast<std::uint32_t>(timer.value >> 32U);
    if (!timer.valid() || s >= timers_.size()) return;
    TimerBody& body = timers_[s];
    if (body.live && body.generation == generation && body.kind == EventKind::kTimer &&
        body.dst_slot == current_ && !body.cancelled) {
      body.cancelled = true;
      ++stats_.timers_cancelled;
    }
  }

 private:
  static constexpr std::uint32_t kNoSlot = PeerId::none().value;

  /// The local slot of peer `to`, or kNoSlot if another rank hosts it. A
  /// contiguous shard (one rank, or block placement) computes it: the
  /// table, and shard_.peers in self(), were a cache miss on most sends at
  /// 100,000 peers (5% of a CAN run).
  [[nodiscard]] std::uint32_t local_slot(PeerId to) const {
    if (!contiguous_) return slot_of_[to.value];
    const std::uint32_t offset = to.value - first_local_;
    return offset < shard_.peers.size() ? offset : kNoSlot;
  }

  void schedule_starts_and_faults() {
    for (std::uint32_t s = 0; s < shard_.peers.size(); ++s) {
      const PeerId p = shard_.peers[s];
      const Time at = params_.start_time ? params_.start_time(p) : Time::zero();
      push_engine_event(at, EventKind::kStart, p.value, s);
    }
    for (std::size_t i = 0; i < faults_.events.size(); ++i) {
      const FaultEvent& f = faults_.events[i];
      if (f.peer.value >= params_.peers) {
        throw std::out_of_range("fault plan names peer " + std::to_string(f.peer.value) + " of " +
                                std::to_string(params_.peers));
      }
      const std::uint32_t s = slot_of_[f.peer.value];
      if (s != kNoSlot) push_engine_event(f.at, to_event_kind(f.action), i, s);
    }
  }

  void push_engine_event(Time at, EventKind kind, std::uint64_t index, std::uint32_t dst_slot) {
    queue_.push({at.ns, engine_seq(kind, index), kEngineSrc, allocate_timer(kind, dst_slot), dst_slot});
  }

  std::uint32_t allocate_timer(EventKind kind, std::uint32_t dst_slot) {
    std::uint32_t s = 0;
    if (free_timers_.empty()) {
      s = static_cast<std::uint32_t>(timers_.size());
      if (s >= kMessageSlot) throw std::length_error("more than 2^31 pending timers on one rank");
      // Grown by a quarter, not doubled: the pool never shrinks, and doubling
      // left one rank of the 10,000,000-peer grid a 480 MiB pool its twin
      // did not need (2,000,000 peers: 192 against 96 MiB; docs/performance.md).
      if (timers_.size() == timers_.capacity()) timers_.reserve(timers_.size() + timers_.size() / 4 + 64);
      timers_.emplace_back();
    } else {
      s = free_timers_.back();
      free_timers_.pop_back();
    }
    TimerBody& body = timers_[s];
    ++body.generation;
    if (body.generation == 0) body.generation = 1;  // TimerId 0 means "none"
    body.kind = kind;
    body.dst_slot = dst_slot;
    body.live = true;
    body.cancelled = false;
    return s;
  }

  /// A message body holding `bytes`; returns its event slot.
  std::uint32_t store_message(std::uint32_t from, std::span<const std::byte> bytes) {
    std::uint32_t s = 0;
    if (free_messages_.empty()) {
      s = static_cast<std::uint32_t>(messages_.size());
      if (s >= kMessageSlot) throw std::length_error("more than 2^31 messages in flight on one rank");
      messages_.emplace_back();
    } else {
      s = free_messages_.back();
      free_messages_.pop_back();
    }
    MessageBody& body = messages_[s];
    body.from = from;
    body.length = static_cast<std::uint32_t>(bytes.size());
    if (bytes.size() <= kInlinePayload) {
      if (!bytes.empty()) std::memcpy(body.inline_payload.data(), bytes.data(), bytes.size());
      return s | kMessageSlot;
    }
    // A peer sends one update to each of its neighbours: the same long
    // payload many times in a row. Those messages share one buffer (counted
    // references) instead of a copy each; at 100,000 CAN peers the copies
    // were half of the memory per peer.
    if (last_overflow_ != kNoOverflow && overflow_refs_[last_overflow_] > 0) {
      const std::vector<std::byte>& last = overflow_[last_overflow_];
      if (last.size() == bytes.size() && std::memcmp(last.data(), bytes.data(), bytes.size()) == 0) {
        body.overflow = last_overflow_;
        ++overflow_refs_[last_overflow_];
        return s | kMessageSlot;
      }
    }
    body.overflow = take_overflow(bytes.size());
    overflow_[body.overflow].assign(bytes.begin(), bytes.end());
    overflow_refs_[body.overflow] = 1;
    last_overflow_ = body.overflow;
    return s | kMessageSlot;
  }

  /// Moves a message's payload out of the pool (the handler may grow the
  /// pool and move the body) and returns a view of it.
  std::span<const std::byte> take_payload(MessageBody& body) {
    if (body.overflow == kNoOverflow) {
      std::memcpy(scratch_.data(), body.inline_payload.data(), body.length);
      return {scratch_.data(), body.length};
    }
    const std::uint32_t o = body.overflow;
    body.overflow = kNoOverflow;
    if (--overflow_refs_[o] > 0) {
      // Still shared: other messages hold it, so it stays put (and is not
      // reused) while this handler runs; growing overflow_ moves the
      // vectors but not their bytes.
      return overflow_[o];
    }
    overflow_payload_.swap(overflow_[o]);
    overflow_free_[size_class::below(overflow_[o].capacity())].push_back(o);
    return overflow_payload_;
  }

  /// A long payload takes a free buffer of its own size class
  /// (p2pgrid/sim/size_class.hpp). With one free list every buffer ended up
  /// with the capacity of the longest payload it had ever held: at 100,000
  /// CAN peers 2.6 times the bytes in them, 52 bytes per peer more.
  std::uint32_t take_overflow(std::size_t size) {
    const std::size_t c = size_class::fitting(size);
    for (const std::size_t from : {c, std::size_t{0}}) {
      std::vector<std::uint32_t>& free = overflow_free_[from];
      if (free.empty()) continue;
      const std::uint32_t o = free.back();
      free.pop_back();
      overflow_[o].reserve(size_class::capacity(c));
      return o;
    }
    const auto o = static_cast<std::uint32_t>(overflow_.size());
    overflow_.emplace_back().reserve(size_class::capacity(c));
    overflow_refs_.push_back(0);
    return o;
  }

  /// Peer `s`'s protocol state, written into `buffer`, which doubles (up
  /// to kMaxPeerState) until the state fits.
  std::span<const std::byte> save_state(std::uint32_t s, const SavedTimers& timers, std::vector<std::byte>& buffer) {
    for (;;) {
      Writer w(buffer);
      try {
        protocol_->save_peer(s, w, FieldContext{params_.peers, 0, &timers});
        return w.bytes();
      } catch (const BufferFull&) {
        if (buffer.size() >= kMaxPeerState) {
          throw CheckpointError("peer " + std::to_string(shard_.peers[s].value) + ": state does not fit: over " +
                                std::to_string(kMaxPeerState) + " bytes");
        }
        buffer.resize(std::min(buffer.size() * 2, kMaxPeerState));
      } catch (const EncodeError& e) {
        throw CheckpointError("peer " + std::to_string(shard_.peers[s].value) + ": state does not fit: " + e.what());
      }
    }
  }

  /// Starts loading what the next event will touch (its body, its peer's
  /// engine state and protocol state) while this one runs: at 100,000 peers
  /// these are cache misses that otherwise stall every event.
  void prefetch(const EventKey& next) const {
    if ((next.slot & kMessageSlot) != 0) {
      __builtin_prefetch(&messages_[next.slot & ~kMessageSlot]);
    } else {
      __builtin_prefetch(&timers_[next.slot]);
    }
    __builtin_prefetch(&peers_[next.dst]);
    protocol_->prefetch(next.dst);
  }

  void dispatch(const EventKey& key) {
    if ((key.slot & kMessageSlot) != 0) {
      deliver(key);
      return;
    }
    TimerBody& body = timers_[key.slot];
    const EventKind kind = body.kind;
    const std::uint32_t target = key.dst;
    const std::uint64_t tag = body.tag;
    const bool timer_dead = body.cancelled || body.incarnation != peers_[target].incarnation;
    body.live = false;
    free_timers_.push_back(key.slot);

    now_ = Time{key.time};
    current_ = target;
    PeerState& peer = peers_[target];
    switch (kind) {
      case EventKind::kMessage: throw std::logic_error("message in the timer pool");
      case EventKind::kTimer:
        if (timer_dead || !peer.alive) return;
        ++stats_.events;
        protocol_->on_timer(*this, tag);
        return;
      case EventKind::kStart:
      case EventKind::kRestart:
        if (peer.alive) return;
        peer.alive = true;
        ++stats_.events;
        record_fault(kind == EventKind::kStart ? FaultRecord::kStart : FaultRecord::kRestart);
        protocol_->on_start(*this);
        return;
      case EventKind::kCrash:
      case EventKind::kLeave:
        if (!peer.alive) return;
        ++stats_.events;
        record_fault(kind == EventKind::kCrash ? FaultRecord::kCrash : FaultRecord::kLeave);
        if (kind == EventKind::kLeave) {
          protocol_->on_leave(*this);  // may still send its hand-over
        } else {
          muted_ = true;
          protocol_->on_crash(*this);
          muted_ = false;
        }
        peer.alive = false;
        ++peer.incarnation;  // every pending timer of the old incarnation dies
        return;
    }
  }

  void deliver(const EventKey& key) {
    const std::uint32_t s = key.slot & ~kMessageSlot;
    MessageBody& body = messages_[s];
    const std::uint32_t target = key.dst;
    const PeerId from{body.from};
    const std::span<const std::byte> payload = take_payload(body);
    free_messages_.push_back(s);
    now_ = Time{key.time};
    current_ = target;
    if (!peers_[target].alive) {
      ++stats_.dropped_dead;
      return;
    }
    ++stats_.events;
    if (!traffic_.empty()) {
      TrafficCount& t = traffic_[target][traffic_protocol(payload)];
      ++t.received;
      t.received_bytes += payload.size();
    }
    protocol_->on_message(*this, from, payload);
  }

  /// Collective: no rank's protocol has open work left.
  bool idle_everywhere() { return exchanger_.sum(protocol_->open_work()) == 0; }

  void record_fault(std::uint32_t action) {
    const FaultRecord row{now_.ns, self().value, action};
    trace_.record(row);
  }

  Time exchange(Time local_next) {
    const auto t0 = std::chrono::steady_clock::now();
    for (ByteBuffer& in : inbox_) in.clear();
    const Exchanger::Agreement agreed =
        exchanger_.exchange(outbox_, inbox_, std::min(local_next, earliest_outgoing_), stats_.events,
                            trace_.wants_flush(), params_.stop_requested && params_.stop_requested());
    stop_agreed_ = agreed.stop;
    global_events_ = agreed.events;
    if (agreed.flush) trace_.flush();
    for (ByteBuffer& out : outbox_) {
      stats_.remote_bytes += out.size();
      out.clear();
    }
    earliest_outgoing_ = Time::never();
    for (std::size_t r = 0; r < inbox_.size(); ++r) receive(static_cast<int>(r), inbox_[r]);
    stats_.exchange_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return agreed.next;
  }

  void receive(int from_rank, const ByteBuffer& batch) {
    decode_batch(batch, [&](const BatchRecord& r) {
      if (r.dst >= params_.peers || slot_of_[r.dst] == kNoSlot) {
        throw std::runtime_error("rank " + std::to_string(exchanger_.rank()) + " received a message for peer " +
                                 std::to_string(r.dst) + " it does not host (from rank " +
                                 std::to_string(from_rank) + ")");
      }
      queue_.push({r.at.ns, r.seq, r.src, store_message(r.src, r.payload), slot_of_[r.dst]});
    });
  }

  /// The end-of-run rows (open jobs, per-peer snapshots, traffic) come a
  /// row or more per peer at once: written in rounds of kFinishRound peers,
  /// flushed when the trace asks, so the trace buffers stay near their
  /// flush size instead of holding every row (368 bytes/peer at 10,000,000
  /// peers, docs/performance.md). Collective: every rank runs as many rounds
  /// as the rank with the most peers.
  void finish() {
    constexpr std::uint32_t kFinishRound = 16'384;
    now_ = params_.end;
    const std::uint64_t slots = peers_.size();
    for (std::uint64_t first = 0;; first += kFinishRound) {
      const std::uint64_t last = std::min(slots, first + kFinishRound);
      for (std::uint64_t s = first; s < last; ++s) finish_peer(static_cast<std::uint32_t>(s));
      if (exchanger_.sum(trace_.wants_flush() ? 1 : 0) > 0) trace_.flush();
      if (exchanger_.sum(last < slots ? 1 : 0) == 0) break;
    }
  }

  void finish_peer(std::uint32_t s) {
    current_ = s;
    protocol_->on_finish(*this, peers_[s].alive);
    if (traffic_.empty()) return;
    for (std::size_t p = 0; p < kTrafficProtocols; ++p) {
      const TrafficCount& t = traffic_[s][p];
      if (t.sent == 0 && t.received == 0) continue;
      trace_.record(TrafficRecord{shard_.peers[s].value, static_cast<std::uint32_t>(p), t.sent, t.sent_bytes,
                                  t.received, t.received_bytes});
    }
  }

  EngineParams params_;
  const NetworkModel& network_;
  const FaultPlan& faults_;
  const Partition& partition_;
  Exchanger& exchanger_;
  TraceSink& trace_;

  ShardPeers shard_;
  HugeVector<std::uint32_t> slot_of_;  ///< global id -> local slot, or kNoSlot
  bool contiguous_ = false;            ///< this shard's peers are first_local_, first_local_ + 1, ...
  std::uint32_t first_local_ = 0;
  HugeVector<PeerState> peers_;
  HugeVector<PeerTraffic> traffic_;  ///< by slot; empty unless params_.traffic
  std::unique_ptr<Protocol> protocol_;
  bool prefetch_heap_ = false;  ///< protocol_->prefetches_heap()

  EventQueue queue_;
  HugeVector<TimerBody> timers_;
  std::vector<std::uint32_t> free_timers_;
  HugeVector<MessageBody> messages_;
  std::vector<std::uint32_t> free_messages_;
  std::vector<std::vector<std::byte>> overflow_;  ///< long payloads, recycled
  std::array<std::vector<std::uint32_t>, size_class::kCount> overflow_free_;  ///< by size_class::below(capacity)
  std::vector<std::uint32_t> overflow_refs_;  ///< messages holding each overflow buffer (0: free)
  std::uint32_t last_overflow_ = kNoOverflow; ///< the buffer stored last: a repeat send shares it
  std::array<std::byte, kInlinePayload> scratch_{};  ///< the payload being handled
  std::vector<std::byte> overflow_payload_;         ///< the long payload being handled
  std::vector<ByteBuffer> outbox_;
  std::vector<ByteBuffer> inbox_;
  Time earliest_outgoing_ = Time::never();
  std::uint64_t global_events_ = 0;

  Time now_;
  std::uint32_t current_ = 0;
  bool muted_ = false;
  bool stopped_ = false;
  bool stop_agreed_ = false;  ///< some rank asked to stop at the next window boundary
  Time stopped_at_;           ///< the first window not run, when stopped_
  EngineStats stats_;
};

Engine::Engine(EngineParams params, const NetworkModel& network, const FaultPlan& faults, const Partition& partition,
               Exchanger& exchanger, TraceSink& trace, const ProtocolFactory& factory)
    : shard_(std::make_unique<Shard>(std::move(params), network, faults, partition, exchanger, trace, factory)) {}

Engine::~Engine() = default;

EngineStats Engine::run(const WindowObserver& observer) { return shard_->run(observer); }
bool Engine::stopped() const { return shard_->stopped(); }
Time Engine::stopped_at() const { return shard_->stopped_at(); }
std::vector<std::byte> Engine::save() { return shard_->save(); }
MemoryUsage Engine::memory() const { return shard_->memory(); }
void Engine::restore(std::span<const std::span<const std::byte>> sections) { shard_->restore(sections); }
Protocol& Engine::protocol() { return shard_->protocol(); }
const ShardPeers& Engine::shard() const { return shard_->shard(); }

}  // namespace p2pgrid
