#pragma once
/// One Chord peer (Stoica et al., SIGCOMM 2001 / ToN 2003) as event-driven
/// code behind a Context. Lookups are iterative (the origin asks each hop in
/// turn and keeps all state, so it alone times out and routes around dead
/// peers, and measures hops and latency itself); route() is recursive (the
/// payload travels with the message, no per-hop state). docs/chord.md says
/// why in full.
///
/// Always a member of a per-peer stack, which passes itself as the Upcalls
/// and dispatches by peek_protocol(bytes) / protocol_of_tag(tag) ==
/// ProtocolId::kChord: the standalone stack with its lookup-probe workload
/// (chord::ProbeNode) or the desktop grid (peer::GridPeer).

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/core/prefetch.hpp"
#include "p2pgrid/overlay/chord/finger_table.hpp"
#include "p2pgrid/overlay/chord/messages.hpp"
#include "p2pgrid/overlay/chord/params.hpp"
#include "p2pgrid/overlay/chord/successor_list.hpp"
#include "p2pgrid/overlay/chord/upcalls.hpp"

namespace p2pgrid::chord {

class OracleRing;

class Node {
 public:
  using Params = chord::Params;
  using Upcalls = chord::Upcalls;
  /// Lookups one peer can have in flight (probes, fix_fingers, the stack's).
  static constexpr std::uint32_t kMaxPending = 8;
  /// Heap bytes of a peer with any lookup in flight (its kMaxPending slots).
  static constexpr std::size_t kLookupSlotsBytes = std::size_t{kMaxPending} * 56;
  /// Cookie of the probe workload's lookups (chord::ProbeNode).
  static constexpr std::uint64_t kProbeCookie = ~std::uint64_t{0};
  /// A kChord timer tag the node never sets: the stack's own workload may.
  static constexpr std::uint64_t kWorkloadTimerKind = 0xFF;
  /// A lookup or route that takes more hops than this is abandoned (a
  /// routing loop while the ring is inconsistent).
  static constexpr std::uint32_t kMaxHops = 128;

  Node(PeerId self, const Params& params);

  // --- Handlers. A composed stack calls these with itself as Upcalls. ----
  /// Comes up: joins through a bootstrap contact, or, if an oracle already
  /// set its state, starts maintenance.
  void on_start(Context& ctx);
  void on_start(Context& ctx, Upcalls& /*up*/) { on_start(ctx); }
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Upcalls& up);
  void on_timer(Context& ctx, std::uint64_t tag, Upcalls& up);
  /// Graceful leave: tells successor and predecessor about each other.
  void on_leave(Context& ctx);
  void on_leave(Context& ctx, Upcalls& /*up*/) { on_leave(ctx); }
  /// Emits this peer's chord_snapshot row.
  void on_finish(Context& ctx, bool alive) const;

  // --- Services. ---------------------------------------------------------
  /// Finds the successor of `key`; the answer comes later through
  /// up.on_lookup_done with `cookie` (at once with ok = false if this peer
  /// has not joined or has kMaxPending lookups in flight).
  void lookup(Context& ctx, RingId key, std::uint64_t cookie, Upcalls& up);
  /// Delivers `payload` (at most kMaxRoutePayload bytes) at the key's
  /// successor, which gets up.on_routed. Best effort: a hop that died
  /// loses it (the stack above has end-to-end timeouts).
  void route(Context& ctx, RingId key, std::span<const std::byte> payload, Upcalls& up);

  // --- Read-only view of this peer's OWN routing state. -----------------
  [[nodiscard]] PeerId self() const { return self_; }
  [[nodiscard]] RingId id() const { return id_; }
  [[nodiscard]] bool joined() const { return joined_; }
  /// The first successor; this peer itself when it is alone on its ring;
  /// none before it joined.
  [[nodiscard]] PeerId successor() const;
  [[nodiscard]] PeerId predecessor() const { return predecessor_; }
  [[nodiscard]] std::span<const PeerId> successors() const { return successors_.entries(); }
  [[nodiscard]] const FingerTable& fingers() const { return fingers_; }
  /// Where a greedy route toward `key` goes next: the successor if the key
  /// lies between this peer and it, else the closest preceding finger or
  /// successor-list entry (ToN Fig. 5). None before joining.
  [[nodiscard]] PeerId next_hop(RingId key) const;
  /// Ring id of any peer (the hash of its address).
  [[nodiscard]] RingId id_of(PeerId p) const { return ring_id_of(p, params_->salt); }

  /// ORACLE bootstrap, outside the handlers: sets this peer's successor
  /// list, predecessor and fingers to their correct values from the global
  /// id list, so on_start only starts maintenance.
  void oracle_bootstrap(const OracleRing& ring);

  /// Bytes this node holds beyond sizeof(Node): the lookup slots while any
  /// lookup is in flight.
  [[nodiscard]] std::size_t heap_bytes() const { return pending_.capacity() * sizeof(Pending); }
  /// Protocol::prefetch_heap: the lookup slots a reply or a timeout reads.
  /// A lookup takes the lowest free slot, so the first two hold most of
  /// those in flight; the other five lines would crowd the misses the
  /// engine keeps in flight for the next events (docs/performance.md).
  void prefetch_heap() const {
    if (!pending_.empty()) prefetch_bytes(pending_.data(), 2 * sizeof(Pending));
  }

  /// Checkpointed state (p2pgrid/core/fields.hpp, docs/checkpoint.md): all
  /// of it but params_, id_ and self_, which follow from the configuration
  /// and the peer's address.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("chord.predecessor", s.predecessor_);
    v("chord.fingers", s.fingers_);
    v("chord.successor_list", s.successors_);
    v.list("chord.pending", s.pending_, kMaxPending);
    v.require("chord.pending", s.pending_.empty() || s.pending_.size() == kMaxPending,
              [] { return "the lookup slots are either all there or none"; });
    v("chord.stabilize_timer", s.stabilize_timer_);
    v("chord.ping_timer", s.ping_timer_);
    v("chord.stabilize_nonce", s.stabilize_nonce_);
    v("chord.stabilize_target", s.stabilize_target_);
    v("chord.ping_nonce", s.ping_nonce_);
    v("chord.nonce_counter", s.nonce_counter_);
    v("chord.next_finger", s.next_finger_);
    v("chord.joined", s.joined_);
    v("chord.maintaining", s.maintaining_);
    v("chord.checked_round", s.checked_round_);
    v("chord.init_fingers", s.init_fingers_);
  }

 private:
  enum class TimerKind : std::uint8_t {
    kStabilize = 1,
    kFixFingers,
    kCheckPredecessor,
    kJoin,
    kLookupTimeout,
    kStabilizeTimeout,
    kPingTimeout,
  };
  enum class LookupKind : std::uint8_t { kFree = 0, kUser, kFinger, kJoin, kRecursive };
  friend constexpr bool wire_enum_valid(LookupKind k) { return k <= LookupKind::kRecursive; }
  friend constexpr const char* wire_enum_noun(LookupKind /*k*/) { return "chord lookup kind"; }
  /// The cookie of a kFinger lookup that checks the successor instead.
  static constexpr unsigned kSuccessorCheck = FingerTable::kSize;

  /// An iterative lookup in flight at its origin (56 bytes; kMaxPending of
  /// them in `pending_` while any is in flight). Its requests
  /// share one lazily re-armed timer: each request only moves `deadline`,
  /// and the timer, when it fires early, re-arms for what is left. A lookup
  /// of h hops thus costs about one timer instead of h set-and-cancel pairs
  /// (two cache misses each at 100,000 peers), with the same timeout instants.
  struct Pending {
    RingId key = 0;
    std::uint64_t cookie = 0;
    Time start;
    Time deadline;    ///< the request in flight has failed if unanswered by then
    PeerId current;   ///< the peer being asked
    PeerId previous;  ///< the peer that named it (self, or none while joining)
    std::uint32_t nonce = 0;
    std::uint32_t timer_nonce = 0;  ///< the nonce in the armed timer's tag, 0 if none
    std::uint8_t hops = 0;          ///< at most kMaxHops
    std::uint8_t timeouts = 0;
    bool confirming = false;  ///< asking `current` whether it owns the key
    bool bounded = false;     ///< the FindNext in flight names a dead peer to avoid
    LookupKind kind = LookupKind::kFree;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("chord.pending.key", s.key);
      v("chord.pending.cookie", s.cookie);
      v("chord.pending.start", s.start);
      v("chord.pending.deadline", s.deadline);
      v("chord.pending.current", s.current);
      v("chord.pending.previous", s.previous);
      v("chord.pending.nonce", s.nonce);
      v("chord.pending.timer_nonce", s.timer_nonce);
      v("chord.pending.hops", s.hops);
      v("chord.pending.timeouts", s.timeouts);
      v("chord.pending.confirming", s.confirming);
      v("chord.pending.bounded", s.bounded);
      v("chord.pending.kind", s.kind);
    }
  };
  static_assert(sizeof(Pending) * kMaxPending == kLookupSlotsBytes, "docs/chord.md counts eight 56-byte slots");

  /// The slot of a reply or timer, or null if no lookup can be there.
  [[nodiscard]] Pending* slot_of(std::uint32_t slot) {
    return slot < pending_.size() ? &pending_[slot] : nullptr;
  }
  /// Frees the lookup slots once none is in use. Called only where no
  /// reference into them can be alive: at the end of on_message and
  /// on_timer, which an upcall never re-enters.
  void release_idle_slots();

  struct Answer {
    bool done = false;
    PeerId node;
  };

  /// This peer's reply to FindNext{key, bound}.
  [[nodiscard]] Answer answer(RingId key, PeerId bound) const;
  [[nodiscard]] PeerId closest_preceding(RingId limit, PeerId exclude = PeerId::none()) const;
  void forget(PeerId dead);

  void start_lookup(Context& ctx, LookupKind kind, RingId key, std::uint64_t cookie, PeerId contact, Upcalls& up);
  void step_local(Context& ctx, std::uint32_t slot, PeerId bound, Upcalls& up);
  void send_query(Context& ctx, std::uint32_t slot, PeerId bound);
  void send_confirm(Context& ctx, std::uint32_t slot);
  /// Gives the request just sent rpc_timeout to be answered.
  void await_reply(Context& ctx, std::uint32_t slot);
  void on_timer_kind(Context& ctx, std::uint64_t tag, Upcalls& up);
  void on_lookup_timer(Context& ctx, std::uint32_t slot, std::uint32_t nonce, Upcalls& up);
  void on_owner_reply(Context& ctx, PeerId from, const OwnerReply& m, Upcalls& up);
  void complete(Context& ctx, std::uint32_t slot, PeerId owner, LookupStatus status, Upcalls& up);
  void on_lookup_timeout(Context& ctx, std::uint32_t slot, Upcalls& up);
  void on_find_next_reply(Context& ctx, PeerId from, const FindNextReply& m, Upcalls& up);
  void send_recursive(Context& ctx, std::uint32_t slot, Upcalls& up);
  void on_find_successor(Context& ctx, PeerId from, const FindSuccessor& m, Upcalls& up);
  void on_successor_found(Context& ctx, PeerId from, const SuccessorFound& m, Upcalls& up);

  void begin_join(Context& ctx);
  [[nodiscard]] PeerId choose_contact(Context& ctx) const;
  /// `predecessor`: the key's predecessor as the owner (or the peer that
  /// named it) knew it.
  void join_done(Context& ctx, PeerId owner, PeerId predecessor, bool ok);
  void start_maintenance(Context& ctx);
  void stabilize(Context& ctx);
  void on_stabilize_timeout(Context& ctx);
  void on_predecessor_reply(Context& ctx, PeerId from, const PredecessorReply& m);
  void adopt_successor_fallback(Context& ctx);
  /// `tell_old`: hint the replaced predecessor (false while `from` is still
  /// joining and cannot answer it yet).
  void notified_by(Context& ctx, PeerId from, bool tell_old);
  void on_successor_hint(Context& ctx, PeerId peer);
  void check_predecessor(Context& ctx);
  void fix_fingers(Context& ctx, Upcalls& up);
  /// Starts the lookup of the next finger that lies beyond the successor.
  void next_finger_lookup(Context& ctx, Upcalls& up);
  void check_successor(Context& ctx, Upcalls& up);
  void finger_done(Context& ctx, unsigned index, PeerId owner, bool ok);
  void forward_route(Context& ctx, RingId key, std::span<const std::byte> payload, std::uint32_t hops, Upcalls& up);

  void send(Context& ctx, PeerId to, const Message& m) const;
  [[nodiscard]] Duration jittered(Context& ctx, Duration period) const;
  [[nodiscard]] std::uint32_t next_nonce(std::uint32_t slot);
  static std::uint64_t tag_of(TimerKind kind, std::uint32_t slot, std::uint32_t nonce);

  const Params* params_;
  RingId id_;
  PeerId self_;
  PeerId predecessor_;
  FingerTable fingers_;
  SuccessorList successors_;
  /// Empty, or kMaxPending slots (allocated at once, never resized while
  /// any is in use, so references into it stay valid): a peer has a lookup
  /// in flight for a few round trips per fix_fingers period, and the inline
  /// array cost every idle peer 448 bytes (docs/performance.md).
  std::vector<Pending> pending_;
  TimerId stabilize_timer_;
  TimerId ping_timer_;
  std::uint32_t stabilize_nonce_ = 0;  ///< outstanding GetPredecessor, 0 if none
  PeerId stabilize_target_;            ///< the successor it was sent to
  std::uint32_t ping_nonce_ = 0;       ///< outstanding Ping, 0 if none
  std::uint32_t nonce_counter_ = 0;
  std::uint8_t next_finger_ = 0;
  bool joined_ = false;
  bool maintaining_ = false;    ///< periodic timers armed
  bool checked_round_ = false;  ///< this round of fingers has checked the successor
  bool init_fingers_ = false;   ///< the join's round of finger lookups is running
};

}  // namespace p2pgrid::chord
