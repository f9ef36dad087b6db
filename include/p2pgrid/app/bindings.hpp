#pragma once
/// One function per protocol stack the harness can run; protocol_registry.cpp
/// lists them. Each lives in src/app/<name>_binding.cpp.

#include <cstdint>
#include <string>
#include <vector>

#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/overlay/can/params.hpp"
#include "p2pgrid/overlay/chord/params.hpp"

namespace p2pgrid {

ProtocolBinding phold_binding();
ProtocolBinding chord_binding();
ProtocolBinding can_binding();
ProtocolBinding grid_binding();

/// The [chord] section (shared by every stack over Chord): chord::Params
/// plus the keys that only the deployment reads.
struct ChordSettings {
  std::string bootstrap = "join";
  chord::Params params;
  Duration join_interval = Duration::milliseconds(100);
  double probe_rate = 0;  ///< lookups per simulated second over all peers
  std::string probe_keys = "uniform";
  std::uint32_t probe_finger_bits = 24;
  std::string lookups = "iterative";
  std::string join_schedule = "interval";

  [[nodiscard]] bool oracle() const { return bootstrap == "oracle"; }
};
void declare_chord(Schema& schema);
/// Validated, with params.peers, salt, probe_interval and join_interval set.
ChordSettings chord_settings(const Config& config, std::uint32_t peers, std::uint64_t seed);

/// can::CapabilityModel's default range of resource r, as [min, max].
inline std::vector<std::int64_t> default_range(std::size_t r) {
  const can::CapabilityModel m;
  return {static_cast<std::int64_t>(m.min[r]), static_cast<std::int64_t>(m.max[r])};
}

/// The [can] section (shared by every stack over CAN): can::Params plus the
/// keys that only the deployment reads.
struct CanSettings {
  can::Params params;
  /// [min, max] of each resource, as the config writes them.
  std::vector<std::int64_t> cpu_mhz = default_range(0);
  std::vector<std::int64_t> memory_mib = default_range(1);
  std::vector<std::int64_t> disk_gib = default_range(2);
  Duration join_interval = Duration::milliseconds(100);
  Duration probe_stop{0};  ///< 0: the run's end
};
void declare_can(Schema& schema);
/// Validated, with params.seed, peers, capabilities and probe_stop set.
CanSettings can_settings(const Config& config, std::uint32_t peers, std::uint64_t seed);

}  // namespace p2pgrid
