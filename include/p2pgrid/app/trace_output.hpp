#pragma once
/// Where a run's trace rows go: an HDF5 file, or nowhere.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/app/job_summary.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/sim/checkpoint_file.hpp"

namespace p2pgrid {

/// A completed job's accepted run: (run node, nominal run time in ns).
using AcceptedRun = std::pair<std::uint32_t, std::int64_t>;

class TraceOutput {
 public:
  TraceOutput() = default;
  TraceOutput(const TraceOutput&) = delete;
  TraceOutput& operator=(const TraceOutput&) = delete;
  virtual ~TraceOutput() = default;
  virtual TraceSink& sink() = 0;
  /// Collective: writes the nodes table (with the load this rank's clients
  /// saw accepted), flushes the last rows and completes the file.
  virtual void close(const RunResult& result, std::span<const AcceptedRun> accepted_runs) = 0;
  /// Collective, when the run stopped for a checkpoint: flushes the last
  /// rows and closes the file, not complete (the resumed run continues it).
  virtual void close_stopped() = 0;
  /// Collective, at a checkpoint: flushes every buffered row and records in
  /// `header` the file's trace_id and its rows per table (nothing without a file).
  virtual void record_position(CheckpointHeader& header) = 0;
  /// Collective: this rank's share of the rows of `table` that a continued
  /// file kept from before the checkpoint (empty for a new file).
  virtual std::vector<std::byte> earlier_rows(const TableDesc& table) = 0;
};

/// What only the command line knows, recorded in the trace.
struct RunProvenance {
  std::string command_line;  ///< rank 0's argv, shell-quoted
};

/// Every check of the trace options that needs no file (e.g. that each
/// `trace.disable` name is a table of this run); throws ConfigError.
/// `validate` and `run` both call it, so they accept the same input.
void check_trace_options(const Scenario& scenario);

/// Collective. An empty path records nothing. With `resumed` (the header of
/// the checkpoint a run resumes from) an existing `path` is continued: it
/// must be the trace that checkpoint's run wrote (same config_hash and
/// trace_id, at least the recorded rows), its rows after the checkpoint are
/// dropped, and the nodes and engine tables start again (docs/checkpoint.md).
/// A file that cannot be continued is a TraceError and is left unchanged; a
/// `path` that does not exist is created as without `resumed`.
std::unique_ptr<TraceOutput> open_trace_output(const std::string& path, const Scenario& scenario,
                                               const boost::mpi::communicator& comm,
                                               const RunProvenance& provenance = {},
                                               const CheckpointHeader* resumed = nullptr);

/// Collective: counts in `jobs` (summary, nodes load) the jobs rows a
/// continued file kept from before the checkpoint, each rank a share, as if
/// this process had seen them; nothing for a new file.
void count_earlier_jobs(TraceOutput& trace, JobSummarySink& jobs);

/// The resolved config as TOML with every input file as an absolute path,
/// and "sha256  path" lines (sha256sum -c format) for the scenario file and
/// each input file. Throws ConfigError if an input cannot be read.
struct ResolvedInputs {
  std::string config_toml;
  std::string origin;  ///< the scenario file, absolute
  std::string input_files;
};
ResolvedInputs resolve_inputs(const Scenario& scenario);

/// "Open MPI v4.1.4, ...": the first line of MPI_Get_library_version.
std::string mpi_library_version();

}  // namespace p2pgrid
