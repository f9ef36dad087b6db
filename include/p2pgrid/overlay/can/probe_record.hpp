#pragma once
/// The routing-probe workload's output: one can_probes row per probe, at
/// its origin, when the owner's reply arrives or the probe times out.

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

struct ProbeRecord {
  static constexpr std::uint32_t kDelivered = 0;
  static constexpr std::uint32_t kTimeout = 1;

  std::int64_t time_ns;     ///< when the probe was sent
  std::uint32_t origin;
  std::uint32_t result;     ///< the peer that owned the point (none: 2^32-1)
  std::int64_t latency_ns;  ///< reply arrival minus send time (timeout: the timeout)
  double point[kMaxDims];
  std::uint32_t hops;       ///< overlay forwards from origin to owner
  std::uint32_t outcome;    ///< kDelivered or kTimeout

  static const TableDesc kTable;
};

}  // namespace p2pgrid::can
