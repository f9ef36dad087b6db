#pragma once
/// One desktop-grid peer over CAN: the CAN node, the job roles and a
/// matchmaker, stacked on one peer like ChordGridPeer. A job's owner is the
/// owner of the zone holding its point: its requirements as coordinates
/// (unconstrained = 0) plus, with the virtual dimension, a virtual
/// coordinate from its GUID (seed paper §3.2). The CAN updates carry the
/// matchmaker's load word. Messages go to a layer by their protocol byte,
/// timers by the top byte of their tag; the layers call each other through
/// adapters built on the stack per call, so the per-peer struct holds no
/// vtable pointers and stays assignable for crash resets.
///
/// `Match` has Match(PeerId, const MatchParams&), on_start(ctx, grid, can),
/// match(ctx, profile, grid, can), on_message(ctx, from, bytes, grid, can),
/// on_timer(ctx, tag, grid, can), local_load(grid).

#include <span>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "p2pgrid/overlay/can/messages.hpp"
#include "p2pgrid/overlay/can/node.hpp"

namespace p2pgrid::match {

template <class MatchParams>
struct CanGridParams {
  can::Params can;
  grid::Params grid;
  MatchParams match;
};

template <class Match, class MatchParams>
class CanGridPeer {
 public:
  using Params = CanGridParams<MatchParams>;

  CanGridPeer(PeerId self, const Params& p) : can_(self, p.can), grid_(self, p.grid), match_(self, p.match) {}

  void on_start(Context& ctx) {
    Layers up(*this);
    can_.start(ctx, up);
    grid_.on_start(ctx);
    match_.on_start(ctx, grid_, can_);
  }

  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
    Layers up(*this);
    switch (peek_protocol(bytes)) {
      case ProtocolId::kCan: {
        can::Message m;  // fixed arrays on the stack: no heap per message
        can::decode(bytes, can_.params().dims(), m);
        if (!can_.handle(ctx, up, from, m)) ctx.log("CAN workload message in a grid stack; dropped");
        return;
      }
      case ProtocolId::kGrid: grid_.on_message(ctx, from, bytes, up); return;
      case ProtocolId::kMatch: match_.on_message(ctx, from, bytes, grid_, can_); return;
      default: ctx.log("message for a protocol this stack does not run; dropped"); return;
    }
  }

  void on_timer(Context& ctx, std::uint64_t tag) {
    Layers up(*this);
    switch (protocol_of_tag(tag)) {
      case ProtocolId::kCan: can_.handle_timer(ctx, up, tag); return;
      case ProtocolId::kGrid: grid_.on_timer(ctx, tag, up); return;
      case ProtocolId::kMatch: match_.on_timer(ctx, tag, grid_, can_); return;
      default: return;
    }
  }

  void on_leave(Context& ctx) {
    Layers up(*this);
    can_.leave(ctx, up);
  }

  void on_finish(Context& ctx, bool alive) {
    can_.record_zones(ctx, alive);
    grid_.on_finish(ctx, alive);
  }

  [[nodiscard]] const can::Node& can() const { return can_; }
  [[nodiscard]] const grid::GridNode& grid() const { return grid_; }
  [[nodiscard]] const Match& matchmaker() const { return match_; }
  /// ORACLE bootstrap access (outside the handlers only).
  [[nodiscard]] can::Node& can_for_oracle() { return can_; }

 private:
  /// CAN's upcalls and the job roles' host, bound to this peer's layers.
  class Layers final : public can::Upcalls, public grid::Host {
   public:
    explicit Layers(CanGridPeer& peer) : peer_(peer) {}
    void on_routed(Context& ctx, const can::Point& /*target*/, std::span<const std::byte> payload,
                   std::uint32_t hops) override {
      peer_.grid_.on_routed(ctx, payload, hops, *this);
    }
    std::uint32_t local_load() override { return Match::local_load(peer_.grid_); }
    void route_to_owner(Context& ctx, const grid::JobProfile& job, std::span<const std::byte> payload) override {
      const can::Params& p = peer_.can_.params();
      peer_.can_.route(ctx, *this,
                       can_job_point(p.capabilities, job.requirements, job.guid, p.resources, p.virtual_dim),
                       payload);
    }
    void match(Context& ctx, const grid::JobProfile& job) override {
      peer_.match_.match(ctx, job, peer_.grid_, peer_.can_);
    }

   private:
    CanGridPeer& peer_;
  };

  can::Node can_;
  grid::GridNode grid_;
  Match match_;
};

}  // namespace p2pgrid::match
