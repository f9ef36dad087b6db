#include "p2pgrid/app/progress.hpp"

#include <cstdio>
#include <ostream>
#include <string>

namespace p2pgrid {

ProgressReporter::ProgressReporter(std::ostream& out, bool terminal, Duration interval, Time end)
    : out_(out),
      terminal_(terminal),
      interval_(terminal ? std::chrono::milliseconds(250) : std::chrono::nanoseconds(interval.ns)),
      end_(end),
      start_(std::chrono::steady_clock::now()),
      next_(start_ + interval_) {}

void ProgressReporter::update(Time sim_now, std::uint64_t events) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + interval_;
  const double wall = std::chrono::duration<double>(now - start_).count();
  const double sim = std::min(sim_now, end_).to_seconds();
  const double speedup = wall > 0 ? sim / wall : 0;
  const double eta = speedup > 0 ? (end_.to_seconds() - sim) / speedup : 0;
  char line[200];
  std::snprintf(line, sizeof line, "sim %.1f/%.1f s (%3.0f%%)  %.3g events/s  %.3gx real time  ETA %.0f s", sim,
                end_.to_seconds(), 100.0 * sim / end_.to_seconds(), wall > 0 ? static_cast<double>(events) / wall : 0,
                speedup, eta);
  if (terminal_) {
    out_ << '\r' << line << "\033[K" << std::flush;
    drew_ = true;
  } else {
    out_ << "progress: " << line << '\n' << std::flush;
  }
}

void ProgressReporter::finish() {
  if (terminal_ && drew_) out_ << '\n' << std::flush;
}

}  // namespace p2pgrid
