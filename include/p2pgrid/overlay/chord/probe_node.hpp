#pragma once
/// The standalone Chord stack: the overlay plus the lookup-probe workload,
/// as can::ProbeNode is for CAN. Once its peer is on the ring, it looks up
/// a key at exponential intervals (mean Params::probe_interval, from
/// probe_start, drawn from the peer's own workload stream); every lookup
/// the node finishes becomes a `lookups` row (LookupRecorder). Keys are
/// uniform, or the id of a random finger entry (probe_finger_bits, as
/// SimGrid's Chord example draws them). It is also the reference for
/// embedding chord::Node in a larger stack.

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/chord/node.hpp"

namespace p2pgrid::chord {

class ProbeNode {
 public:
  using Params = chord::Params;

  ProbeNode(PeerId self, const Params& params) : node_(self, params), params_(&params) {}

  void on_start(Context& ctx);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes);
  void on_timer(Context& ctx, std::uint64_t tag);
  void on_leave(Context& ctx) { node_.on_leave(ctx); }
  void on_finish(Context& ctx, bool alive) const { node_.on_finish(ctx, alive); }

  [[nodiscard]] const Node& node() const { return node_; }
  void memory(MemoryUsage& usage) const {
    usage.add("chord", sizeof(Node) + node_.heap_bytes());
    usage.add("probe workload", sizeof(ProbeNode) - sizeof(Node));
  }
  /// Protocol::prefetch_heap: the node's lookup slots.
  void prefetch_heap() const { node_.prefetch_heap(); }
  /// ORACLE bootstrap access (outside the handlers only).
  [[nodiscard]] Node& node_for_oracle() { return node_; }

  /// Checkpointed state (p2pgrid/core/fields.hpp): the node's and the
  /// probe workload's (params_ is the configuration's).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("chord.node", s.node_);
    v("probe.workload_rng", s.workload_rng_);
    v("probe.probing", s.probing_);
  }

 private:
  /// The probe timer's tag: a chord timer kind the node itself never uses.
  static std::uint64_t probe_tag();
  /// Arms the first probe once the peer is on the ring (at start with an
  /// oracle bootstrap, else when its join completes).
  void arm_when_joined(Context& ctx);
  [[nodiscard]] RingId probe_key();
  [[nodiscard]] Duration next_gap();

  Node node_;
  const Params* params_;
  Rng workload_rng_;
  bool probing_ = false;
};

}  // namespace p2pgrid::chord
