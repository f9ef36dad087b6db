#pragma once
/// What the CAN overlay asks of the stack that hosts it. A composed stack
/// (matchmaker, job layer) implements it and passes itself to the node's
/// handlers; the standalone stack passes the routing-probe workload.

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

class Upcalls {
 public:
  /// A payload sent with Node::route arrived here: this peer's zone holds
  /// `target`. `hops` counts overlay forwards (0: the sender owned it).
  virtual void on_routed(Context& ctx, const Point& target, std::span<const std::byte> payload,
                         std::uint32_t hops) = 0;
  /// The opaque load word carried in this peer's neighbour updates.
  virtual std::uint32_t local_load() = 0;

 protected:
  Upcalls() = default;
  Upcalls(const Upcalls&) = default;
  Upcalls& operator=(const Upcalls&) = default;
  ~Upcalls() = default;
};

/// Ignores payloads, reports load 0: the overlay alone.
class NullUpcalls final : public Upcalls {
 public:
  void on_routed(Context& /*ctx*/, const Point& /*target*/, std::span<const std::byte> /*payload*/,
                 std::uint32_t /*hops*/) override {}
  std::uint32_t local_load() override { return 0; }
};

}  // namespace p2pgrid::can
