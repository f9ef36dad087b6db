#pragma once
/// Configuration of the CAN overlay, shared read-only by every peer of a
/// shard. The binding fills it from the `[can]` config section; protocol
/// code reads its own peer's slice (its capabilities, its contacts) only.

#include <cstdint>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"

namespace p2pgrid::can {

enum class Bootstrap : std::uint8_t {
  kJoin,    ///< peers join one by one through the protocol
  kOracle,  ///< zones precomputed at time 0 as if peers joined in id order
};

struct Params {
  std::uint64_t seed = 1;
  std::uint32_t peers = 0;
  int resources = kResources;  ///< resource dimensions used (1..3), in Resource order
  bool virtual_dim = true;     ///< add the uniform random virtual dimension
  /// How a join splits a zone whose halvings cannot separate the owner's
  /// point from the joiner's (can::join_split).
  JoinRule join_rule = JoinRule::kOwnPoint;
  CapabilityModel capabilities;
  Bootstrap bootstrap = Bootstrap::kJoin;

  Duration update_period = Duration::seconds(2);   ///< neighbour updates (jittered +-25%)
  Duration dead_after = Duration::seconds(6);      ///< silence before a neighbour is suspected
  Duration takeover_step = Duration::milliseconds(500);  ///< takeover delay per level of zone size
  Duration join_timeout = Duration::seconds(10);   ///< retry a join through another contact
  std::uint16_t max_hops = 512;                    ///< routed messages die after this many hops

  /// Routing-probe workload (standalone stack only): each joined peer sends
  /// probes at exponential intervals of this mean (0: no probes).
  Duration probe_interval{0};
  Time probe_start;
  Time probe_stop = Time::never();
  Duration probe_timeout = Duration::seconds(5);

  [[nodiscard]] int dims() const { return resources + (virtual_dim ? 1 : 0); }
  /// Index of the virtual dimension, -1 without one.
  [[nodiscard]] int virtual_index() const { return virtual_dim ? resources : -1; }

  /// The bootstrap contact of `self` on its `attempt`-th join (deployment
  /// data, a hash of seed, peer and attempt): with `join`, a peer that
  /// started earlier (lower id); after an oracle start, any other peer.
  [[nodiscard]] PeerId contact(PeerId self, std::uint32_t attempt) const;
};

}  // namespace p2pgrid::can
