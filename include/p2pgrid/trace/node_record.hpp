#pragma once
/// The nodes table: one row per peer, written when the trace is opened from
/// what the scenario fixes in advance (placement, start, scheduled faults,
/// capabilities in the units of the jobs' minimums), so a killed run keeps
/// it; its load (accepted runs and the time they took on it) is filled in
/// when the run ends. What happened to a peer over time is in the faults table.

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid {

struct NodeRecord {
  std::uint32_t peer;
  std::uint32_t rank;         ///< MPI rank hosting the peer in this run
  std::int64_t join_ns;       ///< scheduled first start
  std::int64_t crash_ns;      ///< first scheduled crash or leave at or after join; -1 none
  std::uint32_t crashes;      ///< scheduled crash and leave events
  std::uint32_t restarts;     ///< scheduled restart events
  std::uint32_t cpu;          ///< capabilities, units grid::kResourceUnits; 0: the stack has none
  std::uint32_t memory;
  std::uint32_t disk;
  std::uint32_t jobs_run;     ///< completed jobs whose accepted result this node computed
  std::int64_t busy_ns;       ///< the time those runs took on this node

  static const TableDesc kTable;
};

}  // namespace p2pgrid
