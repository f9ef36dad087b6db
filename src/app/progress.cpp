#include "p2pgrid/app/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

namespace p2pgrid {

bool started_by_launcher(const char* const* environ_vars) {
  // Set by mpiexec (Open MPI, MPICH, PMIx), srun and PBS in every rank.
  static constexpr std::string_view kLaunched[] = {"OMPI_COMM_WORLD_SIZE=", "PMIX_RANK=", "PMI_RANK=",
                                                   "PMI_SIZE=",             "SLURM_JOB_ID=", "PBS_JOBID="};
  for (const char* const* e = environ_vars; e != nullptr && *e != nullptr; ++e) {
    const std::string_view var(*e);
    for (const std::string_view prefix : kLaunched) {
      if (var.starts_with(prefix)) return true;
    }
  }
  return false;
}

bool progress_is_live(const std::string& mode, bool stderr_is_tty, bool launched) {
  if (mode == "plain") return false;
  if (mode == "terminal") return true;
  return stderr_is_tty && !launched;
}

ProgressReporter::ProgressReporter(std::ostream& out, bool live, Duration interval, Time end)
    : out_(out),
      live_(live),
      interval_(live ? std::chrono::milliseconds(250) : std::chrono::nanoseconds(interval.ns)),
      end_(end),
      start_(std::chrono::steady_clock::now()),
      next_(start_ + interval_) {}

void ProgressReporter::update(Time sim_now, std::uint64_t events) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + interval_;
  report(std::min(sim_now, end_).to_seconds(), events, false);
}

void ProgressReporter::finish(std::uint64_t events) {
  report(end_.to_seconds(), events, true);
  if (live_) out_ << '\n' << std::flush;
}

void ProgressReporter::report(double sim, std::uint64_t events, bool last) {
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double total = end_.to_seconds();
  const double fraction = total > 0 ? std::clamp(sim / total, 0.0, 1.0) : 1.0;
  const double rate = wall > 0 ? static_cast<double>(events) / wall : 0;
  const double speedup = wall > 0 ? sim / wall : 0;
  char eta[32] = "-";
  if (last) {
    std::snprintf(eta, sizeof eta, "0 s");
  } else if (speedup > 0) {
    std::snprintf(eta, sizeof eta, "%.0f s", (total - sim) / speedup);
  }
  char line[256];
  std::snprintf(line, sizeof line, "elapsed %.1f s  sim %.1f/%.1f s (%3.0f%%)  %.3g events/s  %.3gx real time  ETA %s",
                wall, sim, total, 100.0 * fraction, rate, speedup, eta);
  // One write per report: stderr is unbuffered, and a batch log that also
  // takes stdout would otherwise get the summary spliced into the line.
  std::string text;
  if (live_) {
    constexpr int kWidth = 20;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    text = "\r[" + bar + "] " + line + "\033[K";
  } else {
    text = std::string("progress: ") + line + '\n';
  }
  out_ << text << std::flush;
}

}  // namespace p2pgrid
