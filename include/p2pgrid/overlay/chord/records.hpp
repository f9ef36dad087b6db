#pragma once
/// Chord's trace rows: one per finished lookup, and one per peer at the end.

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid::chord {

/// One finished lookup (probe workload or any lookup the recorder sees).
struct LookupRecord {
  /// `outcome` is a LookupStatus: 0 an answer came back (correct or not:
  /// the tests compare), else the reason it failed.
  static constexpr std::uint32_t kOk = 0;

  std::int64_t time_ns;     ///< when the lookup was issued
  std::uint32_t origin;     ///< the peer that issued it
  std::uint32_t result;     ///< the successor it returned (0xFFFFFFFF if failed)
  std::uint64_t key;        ///< the key looked up
  std::int64_t latency_ns;  ///< issue to answer
  std::uint32_t hops;       ///< peers queried
  std::uint32_t outcome;    ///< a LookupStatus (upcalls.hpp)

  static const TableDesc kTable;
};

/// One completed join (the standalone protocol only: Params::trace_joins).
/// The peer that creates the ring has no row.
struct JoinRecord {
  std::int64_t time_ns;       ///< when the join lookup's answer arrived: from then on the peer answers requests
  std::uint32_t peer;         ///< the peer that joined
  std::uint32_t successor;    ///< the successor its join lookup found
  std::uint32_t predecessor;  ///< the predecessor the owner named (0xFFFFFFFF if none)
  std::uint32_t hops;         ///< peers queried by the join lookup

  static const TableDesc kTable;
};

/// The overlay at the end of the run, one row per peer, live or not.
struct SnapshotRecord {
  std::uint32_t peer;
  std::uint32_t alive;        ///< 1 if up at the end
  std::uint64_t id;           ///< ring id
  std::uint32_t successor;    ///< 0xFFFFFFFF if none
  std::uint32_t predecessor;  ///< 0xFFFFFFFF if none

  static const TableDesc kTable;
};

}  // namespace p2pgrid::chord
