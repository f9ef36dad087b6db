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
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/checkpoint_error.hpp"
#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/huge_page_allocator.hpp"
#include "p2pgrid/core/prefetch.hpp"

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
  /// End of the run, for every peer, live or not: emit final rows
  /// (snapshots, digests). A dead peer's state is what its crash left.
  virtual void on_finish(Context& /*ctx*/, bool /*alive*/) {}
  /// A hint without semantics: a handler for this slot runs next, so its
  /// state may start loading into cache now.
  virtual void prefetch(std::uint32_t /*slot*/) const {}
  /// A hint like prefetch, one step later: the slot's state, prefetched an
  /// event ago, is in cache, so what it points to (tables on the heap) may
  /// start loading now. Called only if prefetches_heap().
  virtual void prefetch_heap(std::uint32_t /*slot*/) const {}
  /// Whether prefetch_heap does anything; the engine looks one more event
  /// ahead only for protocols whose state points into the heap.
  [[nodiscard]] virtual bool prefetches_heap() const { return false; }
  /// Work the shard's peers still owe the scenario (the grid: jobs of its
  /// clients not yet in a final state). Read by the engine between windows,
  /// never by protocol code; an engine told to stop when the system is idle
  /// stops once the sum over every rank is 0.
  [[nodiscard]] virtual std::uint64_t open_work() const { return 0; }
  /// Adds the bytes this shard's peers hold, by layer (outside handlers only).
  virtual void memory(MemoryUsage& /*usage*/) const {}

  /// Checkpoints (docs/checkpoint.md): one peer's state, written at a window
  /// boundary and read back, in the same order, into a freshly built stack
  /// (possibly on another rank). `ctx` translates timer handles. A stack
  /// that cannot be checkpointed yet says so rather than write half a state.
  virtual void save_peer(std::uint32_t /*slot*/, Writer& /*w*/, const FieldContext& /*ctx*/) const {
    throw CheckpointError("this protocol stack cannot be checkpointed yet (docs/checkpoint.md)");
  }
  virtual void restore_peer(std::uint32_t /*slot*/, Reader& /*r*/, const FieldContext& /*ctx*/) {
    throw CheckpointError("this protocol stack cannot be checkpointed yet (docs/checkpoint.md)");
  }
};

/// Timer tags carry their protocol in the top byte, so a stack of protocols
/// on one peer can route each timer to its owner.
constexpr std::uint64_t timer_tag(ProtocolId protocol, std::uint64_t local) {
  return (static_cast<std::uint64_t>(protocol) << 56U) | (local & ((std::uint64_t{1} << 56U) - 1));
}
constexpr ProtocolId protocol_of_tag(std::uint64_t tag) { return static_cast<ProtocolId>(tag >> 56U); }
constexpr std::uint64_t local_of_tag(std::uint64_t tag) { return tag & ((std::uint64_t{1} << 56U) - 1); }

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
  void on_finish(Context& ctx, bool alive) override {
    if constexpr (requires(Node& n) { n.on_finish(ctx, alive); }) nodes_[ctx.slot()].on_finish(ctx, alive);
  }

  [[nodiscard]] std::uint64_t open_work() const override {
    std::uint64_t open = 0;
    if constexpr (requires(const Node& n) { n.open_work(); }) {
      for (const Node& n : nodes_) open += n.open_work();
    }
    return open;
  }

  /// A Node that declares its fields() (its state, not its parameters) can be checkpointed.
  void save_peer(std::uint32_t slot, Writer& w, const FieldContext& ctx) const override {
    if constexpr (HasFields<Node>) {
      const FieldContext c = context_of(slot, ctx);
      FieldWriter fw(w, c);
      Node::fields(nodes_[slot], fw);
    } else {
      Protocol::save_peer(slot, w, ctx);
    }
  }
  void restore_peer(std::uint32_t slot, Reader& r, const FieldContext& ctx) override {
    if constexpr (HasFields<Node>) {
      const FieldContext c = context_of(slot, ctx);
      FieldReader fr(r, c);
      Node::fields(nodes_[slot], fr);
    } else {
      Protocol::restore_peer(slot, r, ctx);
    }
  }

  /// A Node that reports memory(MemoryUsage&) splits itself by layer;
  /// any other is one category, "peer state". Unused slots of the dense
  /// store count too: they are memory the shard holds.
  void memory(MemoryUsage& usage) const override {
    if constexpr (requires(const Node& n, MemoryUsage& u) { n.memory(u); }) {
      for (const Node& n : nodes_) n.memory(usage);
    } else {
      usage.add("peer state", static_cast<std::uint64_t>(nodes_.size()) * sizeof(Node));
    }
    usage.add("peer state: unused capacity", static_cast<std::uint64_t>(nodes_.capacity() - nodes_.size()) * sizeof(Node));
    // What the rank's peers share through their parameters (the job plan).
    if constexpr (requires(const Params& p, MemoryUsage& u) { Node::shared_memory(p, u); }) {
      Node::shared_memory(params_, usage);
    }
  }

  void prefetch(std::uint32_t slot) const override {
    prefetch_bytes(&nodes_[slot], sizeof(Node));
  }

  void prefetch_heap(std::uint32_t slot) const override {
    if constexpr (kPrefetchesHeap) nodes_[slot].prefetch_heap();
  }
  [[nodiscard]] bool prefetches_heap() const override { return kPrefetchesHeap; }

  /// Read-only access for tests and oracle bootstraps (never for protocol code).
  [[nodiscard]] const HugeVector<Node>& nodes() const { return nodes_; }
  [[nodiscard]] HugeVector<Node>& nodes() { return nodes_; }
  [[nodiscard]] const Params& params() const { return params_; }

 private:
  static constexpr bool kPrefetchesHeap = requires(const Node& n) { n.prefetch_heap(); };

  /// A Node whose state's layout depends on its parameters (CAN's
  /// dimensions) says so through checkpoint_context().
  FieldContext context_of(std::uint32_t slot, const FieldContext& ctx) const {
    if constexpr (requires(const Node& n) { n.checkpoint_context(ctx); }) {
      return nodes_[slot].checkpoint_context(ctx);
    } else {
      return ctx;
    }
  }

  Params params_;
  HugeVector<Node> nodes_;
};

}  // namespace p2pgrid
