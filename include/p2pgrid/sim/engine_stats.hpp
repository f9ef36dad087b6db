#pragma once

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid {

/// What one rank's engine did; first-class output (summary and trace).
struct EngineStats {
  std::int64_t rank = 0;
  std::uint64_t peers = 0;             ///< peers hosted by this rank
  std::uint64_t events = 0;            ///< handler calls (messages, timers, starts, faults)
  std::uint64_t messages = 0;          ///< messages sent
  std::uint64_t remote_messages = 0;   ///< of which to another rank
  std::uint64_t remote_bytes = 0;      ///< bytes of batches sent to other ranks
  std::uint64_t dropped_dead = 0;      ///< messages that arrived at a crashed peer
  std::uint64_t lost = 0;              ///< messages lost by the loss model
  std::uint64_t partitioned = 0;       ///< messages blocked by a partition
  std::uint64_t timers_cancelled = 0;
  std::uint64_t windows = 0;
  std::int64_t sim_end_ns = 0;         ///< simulated time reached
  double wall_seconds = 0;             ///< wall time inside run(), summed over this process's calls
  double exchange_seconds = 0;         ///< wall time inside exchange (includes waiting: idle)
  std::uint64_t peak_rss_bytes = 0;

  static const TableDesc kTable;
};

}  // namespace p2pgrid
