#pragma once
/// The streaming HDF5 trace: one file per run, written collectively by every
/// rank with parallel HDF5. Each table is a chunked, extendible, shuffle +
/// gzip compressed dataset of a compound type built from its TableDesc, so
/// the in-memory rows and the file rows have the same layout (a mismatch
/// would silently turn collective writes into independent ones).
///
/// Rows are buffered per rank; flush() appends every rank's buffer as one
/// contiguous block per rank (offsets from a prefix sum) and flushes the
/// file, so memory stays bounded and a killed run leaves a readable file up
/// to its last flush. The file layout is documented in docs/trace-schema.md.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/trace/trace_options.hpp"

namespace p2pgrid {

/// Version of the file layout (tables, columns, attributes). Readers refuse
/// versions they do not know. Bump it on any incompatible change.
inline constexpr std::int64_t kTraceSchemaVersion = 2;

/// The HDF5 library this binary runs with, "1.10.8" (provenance).
std::string hdf5_library_version();

class TraceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the writer did on this rank (benchmarks and tests).
struct TraceWriterStats {
  std::uint64_t rows_appended = 0;    ///< accepted by append() on this rank
  std::uint64_t rows_dropped = 0;     ///< rows of disabled tables
  std::uint64_t flushes = 0;          ///< collective flushes taken part in
  std::uint64_t writes = 0;           ///< H5Dwrite calls with rows somewhere
  std::uint64_t independent_writes = 0;  ///< of which HDF5 did not do collectively
  std::uint32_t last_no_collective_cause = 0;  ///< H5Pget_mpio_no_collective_cause, local | global
};

/// What a resumed run continues in an existing trace (docs/checkpoint.md).
struct TraceContinuation {
  /// String root attributes the file must hold with exactly these values
  /// (config_hash, trace_id), checked in this order.
  std::vector<std::pair<std::string, std::string>> expect;
  /// Rows to keep of each table; the rows after them are dropped. Every
  /// table of the run is listed, and the file must hold at least as many.
  std::vector<std::pair<std::string, std::uint64_t>> keep_rows;
};

class Hdf5TraceSink final : public TraceSink {
 public:
  /// Collective: creates (truncates) `path` and one dataset per table, with
  /// the root attributes schema_version and complete = 0. Throws TraceError
  /// naming the file and the reason.
  Hdf5TraceSink(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
                const boost::mpi::communicator& comm);
  /// Collective: opens the existing trace `path` to continue it. Rank 0
  /// first checks, with a read-only open, that it is a p2pgrid trace of this
  /// schema version holding `from.expect`'s attributes and every table with
  /// this run's row layout and at least `from.keep_rows` rows; otherwise
  /// TraceError names the file, the field and the reason, and the file is
  /// not modified. Then every table's extent is set to its kept rows, and
  /// complete = 0 until close().
  Hdf5TraceSink(const std::string& path, std::span<const TableDesc* const> tables, TraceOptions options,
                const boost::mpi::communicator& comm, const TraceContinuation& from);
  /// Closes the file without marking it complete (a failed run).
  ~Hdf5TraceSink() override;
  Hdf5TraceSink(const Hdf5TraceSink&) = delete;
  Hdf5TraceSink& operator=(const Hdf5TraceSink&) = delete;

  void append(const TableDesc& table, const void* row) override;
  [[nodiscard]] bool enabled(const TableDesc& table) const override;
  [[nodiscard]] bool wants_flush() const override;
  [[nodiscard]] std::uint64_t buffered_bytes() const override;
  /// Collective: every rank appends its buffered rows, then the file is flushed.
  void flush() override;

  /// Collective: a root attribute; every rank passes the same value.
  void set_attribute(std::string_view name, std::string_view value);
  void set_attribute(std::string_view name, std::int64_t value);

  /// Collective: overwrites the rows this rank wrote in the last flush that
  /// wrote `table` with `rows` (as many, same order), to fill in figures
  /// known only at the end (the nodes table's load). No-op for a table
  /// switched off.
  void rewrite_last_block(const TableDesc& table, std::span<const std::byte> rows);

  /// Collective: root attributes as written (every rank reads the same);
  /// `fallback` when the file has no such attribute.
  [[nodiscard]] std::int64_t int_attribute(std::string_view name, std::int64_t fallback) const;
  [[nodiscard]] std::string text_attribute(std::string_view name) const;

  /// Collective: rows [first, first + count) of a table from the file, as
  /// bytes in the row layout; every rank reads its own range (count 0 is fine).
  [[nodiscard]] std::vector<std::byte> read_rows(const TableDesc& table, std::uint64_t first, std::uint64_t count);

  /// Collective: flushes, sets complete = 1 and closes the file.
  void close();
  /// Collective: flushes and closes the file leaving complete = 0: a run
  /// stopped for a checkpoint, whose resumed run continues the file.
  void close_stopped();

  /// Rows of a table in the file so far (the same on every rank).
  [[nodiscard]] std::uint64_t rows_in_file(const TableDesc& table) const;
  [[nodiscard]] const TraceWriterStats& stats() const;
  [[nodiscard]] const std::string& path() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace p2pgrid
