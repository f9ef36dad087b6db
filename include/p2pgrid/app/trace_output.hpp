#pragma once
/// Where a run's trace rows go: an HDF5 file, or nowhere.

#include <boost/mpi/communicator.hpp>
#include <memory>
#include <string>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {

class TraceOutput {
 public:
  TraceOutput() = default;
  TraceOutput(const TraceOutput&) = delete;
  TraceOutput& operator=(const TraceOutput&) = delete;
  virtual ~TraceOutput() = default;
  virtual TraceSink& sink() = 0;
  /// Collective: flushes the last rows and completes the file.
  virtual void close(const RunResult& result) = 0;
};

/// Collective. An empty path records nothing.
std::unique_ptr<TraceOutput> open_trace_output(const std::string& path, const Scenario& scenario,
                                               const boost::mpi::communicator& comm);

}  // namespace p2pgrid
