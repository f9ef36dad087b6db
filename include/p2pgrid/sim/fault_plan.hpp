#pragma once
/// Scheduled faults: crash, restart and graceful leave of peers at given
/// times. Built from the scenario and identical on every rank; each rank
/// schedules only the entries for its own peers.

#include <cstdint>
#include <string_view>
#include <vector>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

enum class FaultAction : std::uint8_t { kCrash = 1, kRestart = 2, kLeave = 3 };

std::string_view to_string(FaultAction a);

struct FaultEvent {
  Time at;
  PeerId peer;
  FaultAction action;
};

struct FaultPlan {
  std::vector<FaultEvent> events;

  /// Sorted by (time, peer, action) so every rank sees the same order.
  void normalize();
};

}  // namespace p2pgrid

namespace p2pgrid {

/// One row per peer state change: start, crash, restart, leave.
struct FaultRecord {
  static constexpr std::uint32_t kStart = 0;
  static constexpr std::uint32_t kCrash = 1;
  static constexpr std::uint32_t kRestart = 2;
  static constexpr std::uint32_t kLeave = 3;

  std::int64_t time_ns;
  std::uint32_t peer;
  std::uint32_t action;

  static const TableDesc kTable;
};

}  // namespace p2pgrid
