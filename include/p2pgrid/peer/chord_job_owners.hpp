#pragma once
/// Who owns a job on Chord: the successor of the attempt's GUID (a hash,
/// so owners are spread uniformly over the ring; seed paper §2).

#include <cstdint>
#include <span>
#include <string_view>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/overlay/chord/node.hpp"

namespace p2pgrid::peer {

struct ChordJobOwners {
  using Node = chord::Node;
  static constexpr std::string_view kName = "chord";
  static std::uint64_t heap_bytes(const Node& node) { return node.heap_bytes(); }

  /// Chord's upcalls for a grid stack: routed payloads go to the job layer
  /// through `sink.routed(ctx, payload, hops)`; lookups are not used.
  template <class Sink>
  class Upcalls final : public chord::Upcalls {
   public:
    explicit Upcalls(Sink& sink) : sink_(sink) {}
    void on_lookup_done(Context& /*ctx*/, std::uint64_t /*cookie*/, RingId /*key*/, PeerId /*owner*/,
                        std::uint32_t /*hops*/, Duration /*latency*/, bool /*ok*/) override {}
    void on_routed(Context& ctx, RingId /*key*/, std::span<const std::byte> payload, std::uint32_t hops) override {
      sink_.routed(ctx, payload, hops);
    }

   private:
    Sink& sink_;
  };

  static void route_to_owner(Node& node, Context& ctx, const grid::JobProfile& job,
                             std::span<const std::byte> payload, chord::Upcalls& up) {
    node.route(ctx, job.guid, payload, up);
  }
};

}  // namespace p2pgrid::peer
