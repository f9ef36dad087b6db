#pragma once
/// Rank 0's progress report, on stderr so stdout stays the summary. On a
/// real terminal it redraws one bar; anywhere else (a file, a pipe, a batch
/// log, any rank under mpiexec or srun) it prints a plain timestamped line
/// every `interval` of wall-clock time and always a last one at 100%, with
/// no carriage returns or escape codes. The wall clock is read here and
/// nowhere in the simulation.

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Whether the environment shows an MPI launcher or batch system (mpiexec,
/// srun, PBS). Read it before MPI_Init: Open MPI's singleton start sets the
/// same variables mpiexec does.
bool started_by_launcher(const char* const* environ_vars);

/// Whether `mode` ("auto", "terminal", "plain") means a redrawn bar. Under a
/// launcher the rank's stderr may be a pseudo-terminal (Open MPI gives ranks
/// one) while the user's output goes to a file, so "auto" draws a bar only
/// on a terminal with no launcher in between.
bool progress_is_live(const std::string& mode, bool stderr_is_tty, bool launched);

class ProgressReporter {
 public:
  ProgressReporter(std::ostream& out, bool live, Duration interval, Time end);
  /// Prints if the interval has passed; cheap otherwise.
  void update(Time sim_now, std::uint64_t events);
  /// The last report: 100% of the simulated time, the whole run's rate.
  void finish(std::uint64_t events);

 private:
  void report(double sim_seconds, std::uint64_t events, bool last);

  std::ostream& out_;
  bool live_;
  std::chrono::steady_clock::duration interval_;
  Time end_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point next_;
};

}  // namespace p2pgrid
