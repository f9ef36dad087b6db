#pragma once
/// Runs a scenario on a communicator: builds the network, placement and
/// engine, drives it with a progress reporter and gathers every rank's
/// statistics on rank 0.

#include <boost/mpi/communicator.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/sim/checkpoint_file.hpp"
#include "p2pgrid/sim/engine_stats.hpp"

namespace p2pgrid {

struct RunResult {
  EngineStats local;
  std::vector<EngineStats> all;  ///< every rank's, on rank 0 only
  MemoryUsage memory;            ///< by category, summed over ranks, on rank 0 only (memory_report.hpp)
  std::vector<std::uint64_t> counted_by_rank;  ///< each rank's total of `memory`, on rank 0 only
  bool checkpointed = false;     ///< stopped early and wrote CheckpointOptions::write_path
};

/// Checkpoint and restart (docs/checkpoint.md).
struct CheckpointOptions {
  /// Stop at the first window boundary at or after this simulated time and
  /// write `write_path` (never: run to the end).
  Time stop_at = Time::never();
  std::string write_path;
  /// Continue from this checkpoint instead of starting at time 0.
  std::string resume_path;
  /// Polled after every window: true stops the run at the next boundary,
  /// writes `write_path` and returns with `checkpointed` (SIGTERM, SIGUSR1).
  std::function<bool()> stop_requested;
  /// Collective, at every checkpoint before it is written: flushes the
  /// trace and records its position in the header (TraceOutput::record_position).
  std::function<void(CheckpointHeader&)> record_trace;
};

/// SHA-256 of the resolved configuration: a checkpoint resumes only the run it was written for.
std::string config_hash(const Scenario& scenario);

/// Collective: rank 0 reads and checks the header of the checkpoint at
/// `path` (read_checkpoint_header) and every rank gets it; a bad one throws
/// CheckpointError on every rank. What a resumed run needs to open its trace.
CheckpointHeader shared_checkpoint_header(const std::string& path, const Scenario& scenario,
                                          const boost::mpi::communicator& comm);

/// Called with the built engine before it runs (oracle bootstraps, tests).
using BeforeRun = std::function<void(Engine&)>;

/// Where rank 0 reports progress (nowhere: out == nullptr).
struct ProgressTarget {
  std::ostream* out = nullptr;
  bool terminal = false;  ///< out is a terminal with no MPI launcher or batch system in between
};

RunResult run_scenario(const Scenario& scenario, const boost::mpi::communicator& comm, TraceSink& trace,
                       const ProgressTarget& progress, const BeforeRun& before_run = {},
                       const CheckpointOptions& checkpoint = {});

/// The end-of-run summary: per rank and in total.
void print_summary(std::ostream& out, const Scenario& scenario, const std::vector<EngineStats>& all);

}  // namespace p2pgrid
