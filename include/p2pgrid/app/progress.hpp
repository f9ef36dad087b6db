#pragma once
/// Rank 0's progress line. On a terminal it redraws one line; in a batch
/// log it prints a plain line every `interval` of wall-clock time (no
/// carriage returns in files). The wall clock is read here and nowhere in
/// the simulation.

#include <chrono>
#include <cstdint>
#include <iosfwd>

#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

class ProgressReporter {
 public:
  ProgressReporter(std::ostream& out, bool terminal, Duration interval, Time end);
  /// Prints if the interval has passed; cheap otherwise.
  void update(Time sim_now, std::uint64_t events);
  /// Ends the updating line on a terminal.
  void finish();

 private:
  std::ostream& out_;
  bool terminal_;
  std::chrono::steady_clock::duration interval_;
  Time end_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point next_;
  bool drew_ = false;
};

}  // namespace p2pgrid
