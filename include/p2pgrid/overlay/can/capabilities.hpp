#pragma once
/// Machine capabilities and where they put a peer in the CAN space. A
/// peer's capabilities are a pure function of (seed, peer, model), so the
/// binding hands each peer its own and nobody needs a global table; the
/// job-layer workload reuses the same generator for its node populations.
///
/// Populations (paper §3, "clustered" and "mixed"): clustered machines fall
/// into a few equivalence classes of identical machines; mixed machines draw
/// each resource independently and uniformly.

#include <array>
#include <cstdint>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

/// The resource types, in CAN dimension order.
inline constexpr int kResources = 3;
enum class Resource : std::uint8_t { kCpu = 0, kMemory = 1, kDisk = 2 };

/// CPU speed (MHz), memory (MiB), disk (GiB).
struct Capabilities {
  std::array<std::uint32_t, kResources> value{};
  friend constexpr bool operator==(const Capabilities&, const Capabilities&) = default;
};

enum class Population : std::uint8_t { kMixed, kClustered };

struct CapabilityModel {
  Population population = Population::kMixed;
  std::uint32_t classes = 4;  ///< clustered: number of machine classes
  /// Inclusive range each resource is drawn from; the coordinate of value v
  /// is (v - min) / (max - min + 1), so the range maps onto [0, 1).
  std::array<std::uint32_t, kResources> min{500, 512, 10};
  std::array<std::uint32_t, kResources> max{4000, 16384, 1000};
};

/// The capabilities of `peer`. Clustered: the peer's class is drawn from its
/// own stream, the class's machine from a stream of the class.
Capabilities capabilities_of(const CapabilityModel& model, std::uint64_t seed, PeerId peer);

/// The normalised coordinate of one resource value.
std::uint32_t coordinate_of(const CapabilityModel& model, Resource r, std::uint32_t value);

/// A peer's CAN point: the first `resources` normalised capabilities, then
/// (if `virtual_dim`) a uniform random virtual coordinate from the peer's
/// own stream, so identical machines land at distinct points (paper §3).
Point point_of(const CapabilityModel& model, std::uint64_t seed, PeerId peer, int resources, bool virtual_dim);

}  // namespace p2pgrid::can
