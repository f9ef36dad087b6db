#pragma once
/// A protocol stack as the engine drives it. One Protocol object serves all
/// peers of one shard; each call acts for the single peer ctx.self().
/// Handlers never block: periodic work is a timer the handler re-arms.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"

namespace p2pgrid {

class Protocol {
 public:
  Protocol() = default;
  Protocol(const Protocol&) = delete;
  Protocol& operator=(const Protocol&) = delete;
  virtual ~Protocol() = default;

  /// The peer comes up: at its start time, or again after a restart.
  virtual void on_start(Context& ctx) = 0;
  virtual void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) = 0;
  virtual void on_timer(Context& ctx, std::uint64_t tag) = 0;
  /// The peer crashes: forget all state. Sends and timers are ignored here.
  virtual void on_crash(Context& ctx) = 0;
  /// The peer leaves gracefully: it may still send (hand-over) but its
  /// timers die and it is down afterwards.
  virtual void on_leave(Context& ctx) { on_crash(ctx); }
  /// End of the run, for every live peer: emit final rows (snapshots, digests).
  virtual void on_finish(Context& /*ctx*/) {}
};

/// Which peers a shard hosts; `slot` is the peer's index in that list.
struct ShardPeers {
  std::vector<PeerId> peers;
};

/// Builds the Protocol of one shard.
using ProtocolFactory = std::function<std::unique_ptr<Protocol>(const ShardPeers&)>;

/// The common case: one state object per peer, stored densely by slot, so a
/// million peers cost a million structs and no heap per peer. `Node` has
///   Node(PeerId self, const Params&), on_start/on_message/on_timer(ctx, ...),
/// and optionally on_leave and on_finish. A crash rebuilds it from Params.
template <class Node, class Params>
class NodeProtocol final : public Protocol {
 public:
  NodeProtocol(const ShardPeers& shard, Params params) : params_(std::move(params)) {
    nodes_.reserve(shard.peers.size());
    for (PeerId p : shard.peers) nodes_.emplace_back(p, params_);
  }

  void on_start(Context& ctx) override { nodes_[ctx.slot()].on_start(ctx); }
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) override {
    nodes_[ctx.slot()].on_message(ctx, from, bytes);
  }
  void on_timer(Context& ctx, std::uint64_t tag) override { nodes_[ctx.slot()].on_timer(ctx, tag); }
  void on_crash(Context& ctx) override { nodes_[ctx.slot()] = Node(ctx.self(), params_); }
  void on_leave(Context& ctx) override {
    if constexpr (requires(Node& n) { n.on_leave(ctx); }) nodes_[ctx.slot()].on_leave(ctx);
    on_crash(ctx);
  }
  void on_finish(Context& ctx) override {
    if constexpr (requires(Node& n) { n.on_finish(ctx); }) nodes_[ctx.slot()].on_finish(ctx);
  }

  /// Read-only access for tests and oracle bootstraps (never for protocol code).
  [[nodiscard]] const std::vector<Node>& nodes() const { return nodes_; }
  [[nodiscard]] std::vector<Node>& nodes() { return nodes_; }
  [[nodiscard]] const Params& params() const { return params_; }

 private:
  Params params_;
  std::vector<Node> nodes_;
};

}  // namespace p2pgrid
