#pragma once
/// The two contracts a desktop-grid peer is built from, as concepts the
/// compiler checks (peer/grid_peer.hpp states them with static_assert for
/// every pair the harness runs).
///
/// An overlay node handles its own messages and timers and reports upward
/// through its Upcalls; every overlay speaks the same handler vocabulary.
/// A matchmaker reads the job layer (const: capabilities, queue) and the
/// overlay (const: routing state), and answers rounds of matchmaking only
/// through the MatchPort it is handed.

#include <concepts>
#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/match_port.hpp"

namespace p2pgrid::peer {

template <class O>
concept Overlay = requires(O& o, const O& co, Context& ctx, PeerId from, std::span<const std::byte> bytes,
                           std::uint64_t tag, bool alive, typename O::Upcalls& up) {
  typename O::Params;
  requires std::constructible_from<O, PeerId, const typename O::Params&>;
  o.on_start(ctx, up);
  o.on_message(ctx, from, bytes, up);
  o.on_timer(ctx, tag, up);
  o.on_leave(ctx, up);
  co.on_finish(ctx, alive);
};

template <class M, class O>
concept Matchmaker = Overlay<O> && requires(M& m, Context& ctx, PeerId from, std::span<const std::byte> bytes,
                                            std::uint64_t tag, bool alive, const grid::MatchRequest& request,
                                            const grid::GridNode& grid, const O& overlay, grid::MatchPort& port) {
  typename M::Params;
  requires std::constructible_from<M, PeerId, const typename M::Params&>;
  requires std::is_copy_assignable_v<M>;  // a crash resets a peer by assignment
  m.on_start(ctx, grid, overlay);
  m.match(ctx, request, grid, overlay, port);
  m.on_message(ctx, from, bytes, grid, overlay, port);
  m.on_timer(ctx, tag, grid, overlay, port);
  m.on_finish(ctx, alive, grid, overlay);
};

/// Who owns a job on an overlay, and how a payload reaches that owner: one
/// small adapter per overlay (peer/chord_job_owners.hpp, can_job_owners.hpp).
template <class A>
concept JobOwners = Overlay<typename A::Node> && requires(typename A::Node& node, Context& ctx,
                                                          const grid::JobProfile& job,
                                                          std::span<const std::byte> payload,
                                                          typename A::Node::Upcalls& up) {
  A::route_to_owner(node, ctx, job, payload, up);
};

}  // namespace p2pgrid::peer
