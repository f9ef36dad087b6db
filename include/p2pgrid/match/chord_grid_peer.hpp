#pragma once
/// One desktop-grid peer over Chord: the Chord node (job ownership: a job's
/// owner is its GUID's successor), the job roles, and a matchmaker, stacked
/// on one peer. Messages go to a layer by their protocol byte, timers by
/// the top byte of their tag. The layers call each other through small
/// adapters built on the stack for each call, so the per-peer struct holds
/// only state (no vtable pointers) and stays assignable for crash resets.
///
/// `Match` is a matchmaker component with
///   Match(PeerId, const MatchParams&), on_start(ctx, grid),
///   match(ctx, profile, chord), on_message(ctx, from, bytes, grid, chord),
///   on_timer(ctx, tag, grid, chord); optionally match(ctx, profile, grid,
///   chord) instead (to answer at once) and on_finish(ctx, alive, grid, chord).

#include <span>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/overlay/chord/node.hpp"

namespace p2pgrid::match {

template <class MatchParams>
struct ChordGridParams {
  chord::Params chord;
  grid::Params grid;
  MatchParams match;
};

template <class Match, class MatchParams>
class ChordGridPeer {
 public:
  using Params = ChordGridParams<MatchParams>;

  ChordGridPeer(PeerId self, const Params& p) : chord_(self, p.chord), grid_(self, p.grid), match_(self, p.match) {}

  void on_start(Context& ctx) {
    chord_.on_start(ctx);
    grid_.on_start(ctx);
    match_.on_start(ctx, grid_);
  }

  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
    Layers up(*this);
    switch (peek_protocol(bytes)) {
      case ProtocolId::kChord: chord_.on_message(ctx, from, bytes, up); return;
      case ProtocolId::kGrid: grid_.on_message(ctx, from, bytes, up); return;
      case ProtocolId::kMatch: match_.on_message(ctx, from, bytes, grid_, chord_); return;
      default: ctx.log("message for a protocol this stack does not run; dropped"); return;
    }
  }

  void on_timer(Context& ctx, std::uint64_t tag) {
    Layers up(*this);
    switch (protocol_of_tag(tag)) {
      case ProtocolId::kChord: chord_.on_timer(ctx, tag, up); return;
      case ProtocolId::kGrid: grid_.on_timer(ctx, tag, up); return;
      case ProtocolId::kMatch: match_.on_timer(ctx, tag, grid_, chord_); return;
      default: return;
    }
  }

  void on_leave(Context& ctx) { chord_.on_leave(ctx); }

  void on_finish(Context& ctx, bool alive) {
    chord_.on_finish(ctx, alive);
    grid_.on_finish(ctx, alive);
    if constexpr (requires { match_.on_finish(ctx, alive, grid_, chord_); }) match_.on_finish(ctx, alive, grid_, chord_);
  }

  [[nodiscard]] const chord::Node& chord() const { return chord_; }
  [[nodiscard]] const grid::GridNode& grid() const { return grid_; }
  [[nodiscard]] const Match& matchmaker() const { return match_; }
  /// ORACLE bootstrap access (outside the handlers only).
  [[nodiscard]] chord::Node& chord_for_oracle() { return chord_; }

 private:
  /// Chord's upcalls and the job roles' host, bound to this peer's layers.
  class Layers final : public chord::Upcalls, public grid::Host {
   public:
    explicit Layers(ChordGridPeer& peer) : peer_(peer) {}
    void on_lookup_done(Context& /*ctx*/, std::uint64_t /*cookie*/, RingId /*key*/, PeerId /*owner*/,
                        std::uint32_t /*hops*/, Duration /*latency*/, bool /*ok*/) override {}
    void on_routed(Context& ctx, RingId /*key*/, std::span<const std::byte> payload, std::uint32_t hops) override {
      peer_.grid_.on_routed(ctx, payload, hops, *this);
    }
    void route_to_owner(Context& ctx, const grid::JobProfile& job, std::span<const std::byte> payload) override {
      peer_.chord_.route(ctx, job.guid, payload, *this);
    }
    void match(Context& ctx, const grid::JobProfile& job) override {
      if constexpr (requires { peer_.match_.match(ctx, job, peer_.grid_, peer_.chord_); }) {
        peer_.match_.match(ctx, job, peer_.grid_, peer_.chord_);  // answers through the grid, maybe at once
      } else {
        peer_.match_.match(ctx, job, peer_.chord_);
      }
    }

   private:
    ChordGridPeer& peer_;
  };

  chord::Node chord_;
  grid::GridNode grid_;
  Match match_;
};

}  // namespace p2pgrid::match
