#pragma once
/// One peer of the Content-Addressable Network (Ratnasamy et al., SIGCOMM
/// 2001) as event-driven code behind a Context. Standalone it runs through
/// NodeProtocol<can::Node, can::Params>; embedded in a larger per-peer stack
/// the stack calls start/handle_message/handle_timer/leave with itself as
/// the Upcalls.
///
/// Protocol summary (details and choices in docs/can.md):
/// - Join (§2.2): route a join to the joiner's own point; the owner splits
///   the zone holding it (Zone::split order) and hands the half holding the
///   point to the joiner, or a whole zone if it holds several.
/// - Neighbour updates (§2.3): every update_period each peer sends its
///   zones, point and load word to each neighbour, and its neighbour list
///   every third period and after each zone change; a list
///   entry abutting the receiver that it does not know is adopted and
///   greeted (how neighbours of a taken-over zone find the new owner).
/// - Greedy routing (§2.2): forward to the neighbour whose zone is nearest
///   the target, skipping neighbours silent for dead_after (routing around
///   failures); a route dies after max_hops.
/// - Crash (§2.3): a neighbour silent for dead_after is suspected and
///   routed around. Its heir (the smallest-volume peer of the neighbour
///   list it last advertised, which all its neighbours heard alike) takes
///   its zones over and tells that list. If the heir is dead too, the other
///   neighbours fall back to CAN's takeover timers, shorter the smaller
///   their own zone. Two claims of one area are settled by the lower peer
///   id keeping it.
///   A peer merges sibling zones it holds (background reassignment, §2.3).
/// - Leave: zones go to the live neighbour with the smallest volume.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/overlay/can/heir_contacts.hpp"
#include "p2pgrid/overlay/can/messages.hpp"
#include "p2pgrid/overlay/can/neighbour_table.hpp"
#include "p2pgrid/overlay/can/params.hpp"
#include "p2pgrid/overlay/can/upcalls.hpp"

namespace p2pgrid::can {

enum class Phase : std::uint8_t { kDown, kJoining, kJoined, kRefused };
constexpr bool wire_enum_valid(Phase p) { return p <= Phase::kRefused; }
constexpr const char* wire_enum_noun(Phase /*p*/) { return "CAN phase"; }

/// Timer kinds in bits 48..55 of the local part of a kCan timer tag.
enum class TimerKind : std::uint8_t { kUpdate = 1, kJoinRetry = 2, kTakeover = 3, kProbe = 8, kProbeTimeout = 9 };
constexpr std::uint64_t can_timer(TimerKind kind, std::uint64_t data = 0) {
  return timer_tag(ProtocolId::kCan, (static_cast<std::uint64_t>(kind) << 48U) | (data & 0xFFFFFFFFFFFFULL));
}
constexpr TimerKind kind_of_timer(std::uint64_t tag) {
  return static_cast<TimerKind>((local_of_tag(tag) >> 48U) & 0xFFU);
}
constexpr std::uint64_t data_of_timer(std::uint64_t tag) { return local_of_tag(tag) & 0xFFFFFFFFFFFFULL; }

class Node {
 public:
  using Params = can::Params;
  using Upcalls = can::Upcalls;

  Node(PeerId self, const Params& params);

  // --- Embedded use, in the handler vocabulary every overlay shares. -----
  void on_start(Context& ctx, Upcalls& up) { start(ctx, up); }
  /// Decodes and handles a CAN message; a workload's message (kProbeReply)
  /// has no place in a stack and is logged and dropped.
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Upcalls& up);
  void on_timer(Context& ctx, std::uint64_t tag, Upcalls& up) { handle_timer(ctx, up, tag); }
  void on_leave(Context& ctx, Upcalls& up) { leave(ctx, up); }

  // --- Embedded use: the host stack passes itself as Upcalls. -------------
  void start(Context& ctx, Upcalls& up);
  /// Handles one decoded CAN message; false if it is not an overlay message
  /// (a workload's, such as kProbeReply), which the host then handles.
  bool handle(Context& ctx, Upcalls& up, PeerId from, const Message& message);
  /// Handles a kCan timer tag; false if it is not the overlay's.
  bool handle_timer(Context& ctx, Upcalls& up, std::uint64_t tag);
  /// Graceful leave: hands zones to a neighbour (sends only).
  void leave(Context& ctx, Upcalls& up);
  /// Delivers `payload` at the owner of the zone holding `point` (its
  /// Upcalls::on_routed, with the hop count). False if this peer has not
  /// joined yet (nothing is sent).
  bool route(Context& ctx, Upcalls& up, const Point& point, std::span<const std::byte> payload);

  // --- Standalone use through NodeProtocol<Node, Params>. ----------------
  void on_start(Context& ctx);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes);
  void on_timer(Context& ctx, std::uint64_t tag);
  void on_leave(Context& ctx);
  void on_finish(Context& ctx, bool alive) const;

  /// One can_zones row per zone held (the final snapshot).
  void record_zones(Context& ctx, bool alive) const;

  // --- Read-only state for the host stack (matchmaker) and tests. --------
  [[nodiscard]] PeerId self() const { return self_; }
  [[nodiscard]] const Params& params() const { return *params_; }
  [[nodiscard]] Phase phase() const { return phase_; }
  [[nodiscard]] const Point& point() const { return point_; }
  [[nodiscard]] std::span<const Zone> zones() const { return {zones_.data(), zones_.size()}; }
  [[nodiscard]] const NeighbourTable& neighbours() const { return table_; }
  [[nodiscard]] bool owns(const Point& p) const;
  /// Points just beyond our faces that no zone we know covers, in face
  /// order, four or five at most: where the periodic face check sends hellos.
  [[nodiscard]] boost::container::small_vector<Point, 8> face_gaps() const;
  /// Whether the next face check is skipped: the last one found no gap and
  /// neither our zones nor the table's have changed since.
  [[nodiscard]] bool faces_known_covered() const {
    return faces_clean_ && faces_checked_edits_ == table_.zone_edits();
  }
  /// Heap bytes held by this node (memory accounting).
  [[nodiscard]] std::size_t heap_bytes() const;
  /// Starts loading the neighbour table into cache (Protocol::prefetch_heap).
  void prefetch_heap() const { table_.prefetch(); }

  /// The oracle bootstrap only (never protocol code): installs zones and a
  /// neighbour table before the first event, as if the peer had joined.
  void oracle_install(std::vector<Zone> zones, NeighbourTable table);

  /// Checkpointed state (p2pgrid/core/fields.hpp, docs/checkpoint.md): all
  /// of it but params_, self_ and dims_, which follow from the
  /// configuration. Points and zones need checkpoint_context().
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("can.phase", s.phase_);
    v("can.join_attempts", s.join_attempts_);
    v("can.ticks", s.ticks_);
    v("can.reprobe", s.reprobe_);
    v("can.point", s.point_);
    v.list("can.zones", s.zones_, kMaxStateList);
    v("can.table", s.table_);
    v("can.update_timer", s.update_timer_);
    v("can.join_timer", s.join_timer_);
    v("can.takeover_timer", s.takeover_timer_);
    v("can.takeover_at", s.takeover_at_);
    v("can.heir_contacts", s.heir_contacts_);
  }
  /// The layout of points and zones depends on the space's dimensions.
  [[nodiscard]] FieldContext checkpoint_context(FieldContext ctx) const {
    ctx.dims = dims_;
    return ctx;
  }

 private:
  void send_join(Context& ctx);
  void arm_update(Context& ctx);
  void forward(Context& ctx, Upcalls& up, RouteMsg m);
  void accept_join(Context& ctx, Upcalls& up, PeerId joiner, const Point& point);
  void on_join_reply(Context& ctx, Upcalls& up, PeerId from, const JoinReplyMsg& m);
  void on_update(Context& ctx, Upcalls& up, PeerId from, const UpdateMsg& m);
  void on_handover(Context& ctx, Upcalls& up, PeerId from, const HandoverMsg& m);
  void check_silent(Context& ctx, Upcalls& up);
  /// Names `of`'s heir from its advertised neighbour list.
  void learn_heir(Context& ctx, PeerId of, std::span<const Entry> entries);
  /// Adopts fresh list entries that abut this peer's zones and are
  /// unknown; entries overlapping our zones start a settlement.
  /// `quiet` (entries from a reply): adopt only, start no exchange, so
  /// replies never cascade. Every peer it adds was not in the table
  /// before; their ids go to `added` when given.
  void adopt_entries(Context& ctx, Upcalls& up, std::span<const Entry> entries, PeerId skip, bool quiet = false,
                     FixedList<PeerId, kMaxEntries>* added = nullptr);
  /// Settles claims of `other` overlapping this peer's zones: the lower id keeps them.
  bool settle_overlaps(PeerId other, std::span<const Zone> theirs);
  void add_zones(std::span<const Zone> zones);
  void probe_faces(Context& ctx, Upcalls& up, const Zone& z);
  void check_faces(Context& ctx, Upcalls& up);
  void merge_zones();
  void prune_table();
  void announce(Context& ctx, Upcalls& up, std::span<const PeerId> extra = {}, bool with_list = true);
  void fill_entries(Context& ctx, FixedList<Entry, kMaxEntries>& out, const Zone* around) const;
  [[nodiscard]] bool abuts_mine(const Zone& z) const;
  [[nodiscard]] bool overlaps_mine(const Zone& z) const;
  /// Whether `z` overlaps any of our zones, and whether it abuts any.
  [[nodiscard]] ZoneContact contact_mine(const Zone& z) const;
  [[nodiscard]] Time alive_since(Context& ctx) const;
  void send(Context& ctx, PeerId to, const auto& message) const;
  void rejoin(Context& ctx);

  const Params* params_;
  PeerId self_;
  Phase phase_ = Phase::kDown;
  std::uint8_t dims_;
  std::uint16_t join_attempts_ = 0;
  std::uint8_t ticks_ = 0;
  std::uint8_t reprobe_ = 0;  ///< ticks left to re-probe faces after a takeover
  /// The last face check found no gap, and our zones have not changed
  /// since; with the table's zones unchanged too (faces_checked_edits_),
  /// the next check would find none either and is skipped. Not
  /// checkpointed: a restored table counts as changed.
  bool faces_clean_ = false;
  std::uint32_t faces_checked_edits_ = 0;  ///< table_.zone_edits() at that check
  static constexpr std::uint8_t kListEvery = 3;
  Point point_;
  /// Almost every peer owns one zone, and an update's first act is to test
  /// the sender's zones against it: on the heap that test was a cache miss
  /// per update, 15% of a 100,000-peer run (perf, docs/performance.md).
  static constexpr std::size_t kInlineZones = 1;
  boost::container::small_vector<Zone, kInlineZones> zones_;
  NeighbourTable table_;
  TimerId update_timer_;
  TimerId join_timer_;
  TimerId takeover_timer_;
  Time takeover_at_ = Time::never();
  /// Whom to tell when we take over the zones of a neighbour whose heir we are.
  HeirContacts heir_contacts_;
};

}  // namespace p2pgrid::can
