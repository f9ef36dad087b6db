#pragma once
/// The standalone CAN stack: the overlay plus the routing-probe workload.
/// Each joined peer sends probes to uniform random points at exponential
/// intervals (mean Params::probe_interval, from its own workload stream);
/// the owner of the point replies directly to the origin, which records a
/// can_probes row (or a timeout). It is also the reference for embedding
/// can::Node in a larger stack: it owns a Node and passes itself as the
/// Upcalls.

#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/can/node.hpp"

namespace p2pgrid::can {

/// What a probe carries to the owner (inside a routed kApp payload).
struct ProbePayload {
  PeerId origin;
  std::uint32_t seq = 0;
  friend bool operator==(const ProbePayload&, const ProbePayload&) = default;
};
inline constexpr std::size_t kProbePayloadBytes = 8;
std::span<const std::byte> encode(std::span<std::byte, kProbePayloadBytes> buffer, const ProbePayload& p);
ProbePayload decode_probe(std::span<const std::byte> bytes);

class ProbeNode final : public Upcalls {
 public:
  ProbeNode(PeerId self, const Params& params);

  void on_start(Context& ctx);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes);
  void on_timer(Context& ctx, std::uint64_t tag);
  void on_leave(Context& ctx);
  void on_finish(Context& ctx, bool alive) const;

  void on_routed(Context& ctx, const Point& target, std::span<const std::byte> payload, std::uint32_t hops) override;
  std::uint32_t local_load() override { return static_cast<std::uint32_t>(pending_.size()); }

  [[nodiscard]] const Node& overlay() const { return node_; }
  void prefetch_heap() const { node_.prefetch_heap(); }
  void memory(MemoryUsage& usage) const {
    usage.add("can", sizeof(Node) + node_.heap_bytes());
    usage.add("probe workload", sizeof(ProbeNode) - sizeof(Node) + capacity_bytes(pending_));
  }
  [[nodiscard]] Node& overlay() { return node_; }

  /// Checkpointed state (p2pgrid/core/fields.hpp): the overlay's and the
  /// probe workload's.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("can.node", s.node_);
    v("probe.rng", s.rng_);
    v("probe.next_seq", s.next_seq_);
    v.list("probe.pending", s.pending_, kMaxStateList);
  }
  [[nodiscard]] FieldContext checkpoint_context(FieldContext ctx) const { return node_.checkpoint_context(ctx); }

 private:
  struct Pending {
    std::uint32_t seq;
    Point point;
    Time sent;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("probe.pending.seq", s.seq);
      v("probe.pending.point", s.point);
      v("probe.pending.sent", s.sent);
    }
  };
  void arm_probe(Context& ctx, Time not_before);
  void send_probe(Context& ctx);
  void complete(Context& ctx, std::uint32_t seq, PeerId result, std::uint32_t hops, std::uint32_t outcome);

  Node node_;
  Rng rng_;  ///< the workload's own stream: probes never shift protocol draws
  std::uint32_t next_seq_ = 0;
  std::vector<Pending> pending_;
};

ProtocolFactory factory(Params params);

}  // namespace p2pgrid::can
