#pragma once
/// One desktop-grid peer: an overlay node, the job roles (client, owner,
/// run node) and a matchmaker, stacked. The one stack the harness runs, for
/// every overlay and matchmaker: GridPeer<ChordJobOwners, RnTree>,
/// GridPeer<CanJobOwners, CanMatch>, GridPeer<ChordJobOwners, Central>.
///
/// Messages go to a layer by their protocol byte, timers by the top byte of
/// their tag. The layers reach each other through an adapter built on the
/// stack for each handler call (Layers), so the per-peer struct holds only
/// state (no vtable pointers) and a crash reset is a plain assignment.
///
/// A job's walk through the stack, in one direction (docs/architecture.md):
/// client (GridNode) -> Owners::route_to_owner -> overlay route -> owner's
/// GridNode::on_routed -> Host::match -> Matchmaker::match -> MatchPort ->
/// (after the matchmaker's handler returns) GridNode::on_match_answer ->
/// Assign to the run node -> heartbeats -> Result to the client.

#include <span>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/host.hpp"
#include "p2pgrid/grid/match_port.hpp"
#include "p2pgrid/peer/contracts.hpp"

namespace p2pgrid::peer {

template <class Owners, class Match>
struct GridPeerParams {
  typename Owners::Node::Params overlay;
  grid::Params grid;
  typename Match::Params match;
};

template <class Owners, class Match>
  requires JobOwners<Owners> && Matchmaker<Match, typename Owners::Node>
class GridPeer {
 public:
  using OverlayNode = typename Owners::Node;
  using Params = GridPeerParams<Owners, Match>;

  GridPeer(PeerId self, const Params& p) : overlay_(self, p.overlay), grid_(self, p.grid), match_(self, p.match) {}

  void on_start(Context& ctx) {
    Layers up(*this);
    overlay_.on_start(ctx, up.overlay());
    grid_.on_start(ctx);
    match_.on_start(ctx, grid_, overlay_);
  }

  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
    Layers up(*this);
    switch (peek_protocol(bytes)) {
      case ProtocolId::kGrid: grid_.on_message(ctx, from, bytes, up); return;
      case ProtocolId::kMatch:
        match_.on_message(ctx, from, bytes, grid_, overlay_, up.port());
        up.apply_answers(ctx);
        return;
      default: overlay_.on_message(ctx, from, bytes, up.overlay()); return;
    }
  }

  void on_timer(Context& ctx, std::uint64_t tag) {
    Layers up(*this);
    switch (protocol_of_tag(tag)) {
      case ProtocolId::kGrid: grid_.on_timer(ctx, tag, up); return;
      case ProtocolId::kMatch:
        match_.on_timer(ctx, tag, grid_, overlay_, up.port());
        up.apply_answers(ctx);
        return;
      default: overlay_.on_timer(ctx, tag, up.overlay()); return;
    }
  }

  void on_leave(Context& ctx) {
    Layers up(*this);
    overlay_.on_leave(ctx, up.overlay());
  }

  /// Jobs of this peer's client not yet final (the engine's idle check).
  [[nodiscard]] std::uint64_t open_work() const { return grid_.open_jobs(); }

  void on_finish(Context& ctx, bool alive) {
    overlay_.on_finish(ctx, alive);
    grid_.on_finish(ctx, alive);
    match_.on_finish(ctx, alive, grid_, overlay_);
  }

  /// A live node's user submits a job through this peer, its injection
  /// peer (grid::GridNode::submit). Returns the job's id.
  std::uint64_t submit(Context& ctx, const grid::JobSpec& spec, std::uint32_t sequence) {
    Layers up(*this);
    return grid_.submit(ctx, spec, sequence, up);
  }

  /// Checkpointed state (p2pgrid/core/fields.hpp): the three layers', once
  /// each declares its fields (a stack whose matchmaker does not yet cannot
  /// be checkpointed, and says so).
  template <class S, class V>
    requires HasFields<OverlayNode> && HasFields<grid::GridNode> && HasFields<Match>
  static void fields(S& s, V& v) {
    v("peer.overlay", s.overlay_);
    v("peer.grid", s.grid_);
    v("peer.match", s.match_);
  }
  /// The overlay's state may depend on its parameters (CAN's dimensions).
  [[nodiscard]] FieldContext checkpoint_context(FieldContext ctx) const {
    if constexpr (requires { overlay_.checkpoint_context(ctx); }) {
      return overlay_.checkpoint_context(ctx);
    } else {
      return ctx;
    }
  }

  [[nodiscard]] const OverlayNode& overlay() const { return overlay_; }
  [[nodiscard]] const grid::GridNode& grid() const { return grid_; }
  [[nodiscard]] const Match& matchmaker() const { return match_; }
  /// One category per layer; what the composition adds (alignment) is its own.
  void memory(MemoryUsage& usage) const {
    usage.add(Owners::kName, sizeof(OverlayNode) + Owners::heap_bytes(overlay_));
    usage.add("grid", sizeof(grid::GridNode) + grid_.heap_bytes());
    usage.add("match", sizeof(Match) + match_.heap_bytes());
    usage.add("peer padding", sizeof(GridPeer) - sizeof(OverlayNode) - sizeof(grid::GridNode) - sizeof(Match));
  }
  /// Held once per rank: every rank keeps the whole plan, each client
  /// reads its own part (at 10,000,000 peers and 5,000,000 jobs, 72 bytes
  /// per job on each rank).
  static void shared_memory(const Params& p, MemoryUsage& usage) {
    if (p.grid.plan) usage.add("workload plan", p.grid.plan->heap_bytes());
  }
  /// Protocol::prefetch_heap: the overlay's tables, where it keeps them there.
  void prefetch_heap() const
    requires requires(const OverlayNode& o) { o.prefetch_heap(); }
  {
    overlay_.prefetch_heap();
  }
  /// ORACLE bootstrap access (outside the handlers only).
  [[nodiscard]] OverlayNode& overlay_for_oracle() { return overlay_; }

 private:
  /// The overlay's upcalls and the job layer's host, bound to this peer's
  /// layers for one handler call; holds the call's MatchPort.
  class Layers final : public grid::Host {
   public:
    explicit Layers(GridPeer& peer) : peer_(peer), up_(*this) {}

    typename Owners::template Upcalls<Layers>& overlay() { return up_; }
    grid::MatchPort& port() { return port_; }

    /// Applies what the matchmaker answered, now that its handler returned.
    void apply_answers(Context& ctx) {
      if (applying_) return;  // the outer loop takes answers posted meanwhile
      applying_ = true;
      port_.drain([&](const grid::MatchAnswer& a) { peer_.grid_.on_match_answer(ctx, a); });
      applying_ = false;
    }

    // Sink of the overlay's upcalls.
    void routed(Context& ctx, std::span<const std::byte> payload, std::uint32_t hops) {
      peer_.grid_.on_routed(ctx, payload, hops, *this);
    }
    [[nodiscard]] std::uint32_t load_word() const { return peer_.grid_.queue_length(); }

    // grid::Host
    void route_to_owner(Context& ctx, const grid::JobProfile& job, std::span<const std::byte> payload) override {
      Owners::route_to_owner(peer_.overlay_, ctx, job, payload, up_);
    }
    void match(Context& ctx, const grid::MatchRequest& request) override {
      peer_.match_.match(ctx, request, peer_.grid_, peer_.overlay_, port_);
      apply_answers(ctx);
    }

   private:
    GridPeer& peer_;
    typename Owners::template Upcalls<Layers> up_;
    grid::MatchPort port_;
    bool applying_ = false;
  };

  OverlayNode overlay_;
  grid::GridNode grid_;
  Match match_;
};

}  // namespace p2pgrid::peer
