#pragma once
/// Who owns a job on CAN: the owner of the zone holding the job's point,
/// its requirements as coordinates (unconstrained = 0) plus, with the
/// virtual dimension, a virtual coordinate from the attempt's GUID (seed
/// paper §3.2). The CAN updates carry the peer's queue length as load word.

#include <cstdint>
#include <span>
#include <string_view>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "p2pgrid/overlay/can/node.hpp"

namespace p2pgrid::peer {

struct CanJobOwners {
  using Node = can::Node;
  static constexpr std::string_view kName = "can";
  static std::uint64_t heap_bytes(const Node& node) { return node.heap_bytes(); }

  /// CAN's upcalls for a grid stack: routed payloads go to the job layer
  /// through `sink.routed(ctx, payload, hops)`, the load word is
  /// `sink.load_word()`.
  template <class Sink>
  class Upcalls final : public can::Upcalls {
   public:
    explicit Upcalls(Sink& sink) : sink_(sink) {}
    void on_routed(Context& ctx, const can::Point& /*target*/, std::span<const std::byte> payload,
                   std::uint32_t hops) override {
      sink_.routed(ctx, payload, hops);
    }
    std::uint32_t local_load() override { return sink_.load_word(); }

   private:
    Sink& sink_;
  };

  static void route_to_owner(Node& node, Context& ctx, const grid::JobProfile& job,
                             std::span<const std::byte> payload, can::Upcalls& up) {
    const can::Params& p = node.params();
    node.route(ctx, up, match::can_job_point(p.capabilities, job.requirements, job.guid, p.resources, p.virtual_dim),
               payload);
  }
};

}  // namespace p2pgrid::peer
