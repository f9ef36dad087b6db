#pragma once
/// How an HDF5 trace is written: buffering, flushing, compression and which
/// tables are recorded. Filled from the scenario's [trace] section.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace p2pgrid {

struct TraceOptions {
  /// Rows a rank may buffer (all tables together) before it asks for a flush.
  std::size_t buffer_bytes = std::size_t{16} << 20U;
  /// Wall-clock time after which a rank asks for a flush even with room left,
  /// so that a killed run loses at most this much of its trace.
  std::chrono::milliseconds flush_interval{10'000};
  /// Target size of one HDF5 chunk (rows per chunk = this / row size).
  std::size_t chunk_bytes = std::size_t{1} << 20U;
  /// gzip level 1..9 (always with the shuffle filter first); 0: none, the
  /// only setting under which a killed run keeps every flushed row.
  unsigned gzip_level = 0;
  /// Rank 0 prints "trace: flush N complete: table=rows ..." to stderr after
  /// every flush: what a killed run's file must still hold.
  bool flush_log = false;
  /// Tables whose rows are dropped; their datasets exist, empty, with
  /// attribute recorded = 0.
  std::vector<std::string> disabled;
};

}  // namespace p2pgrid
