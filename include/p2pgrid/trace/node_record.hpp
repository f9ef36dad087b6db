#pragma once
/// The nodes table: one row per peer, written when the trace is opened from
/// what the scenario fixes in advance (placement, start time, scheduled
/// faults). Protocols may add their own per-node columns in later schema
/// versions (ring id, capabilities); what actually happened to a peer is in
/// the faults table.

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

  static const TableDesc kTable;
};

}  // namespace p2pgrid
