#pragma once
/// The memory budget of a run by category (docs/performance.md, "Memory by
/// category"): each rank samples Engine::memory() at fixed fractions of the
/// simulated duration and at the end, keeps its largest sample, and rank 0
/// prints the sum over ranks per peer beside the peak RSS, then each rank's
/// own counted total and peak (a run's size is its largest process).

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/sim/engine_stats.hpp"

namespace p2pgrid {

class Engine;

/// The process's resident bytes now (/proc/self/statm; 0 where unreadable).
std::uint64_t current_rss_bytes();

/// Remembers the resident bytes of the process as it is before any
/// scenario: code, libraries and MPI's own buffers and shared segments.
/// main() calls it right after MPI_Init; the samples then carry it as the
/// category kProcessAtStart (left out if never called, as in tests).
void note_process_start();
inline constexpr const char* kProcessAtStart = "process at start (MPI, code)";

class MemorySampler {
 public:
  /// Samples at end/kSamples, 2 end/kSamples, ... (the walk over every peer
  /// costs about a handler call per peer, so a handful of samples).
  static constexpr int kSamples = 8;

  explicit MemorySampler(Time end) : end_(end) {}
  /// From the window observer: samples when `next` passed the next mark.
  void observe(const Engine& engine, Time next);
  /// After the run: one last sample.
  void finish(const Engine& engine);
  /// The sample with the largest total so far.
  [[nodiscard]] const MemoryUsage& largest() const { return largest_; }

 private:
  void sample(const Engine& engine);

  Time end_;
  int taken_ = 0;
  MemoryUsage largest_;
};

/// Collective: the sum over ranks of `local`, by category, on rank 0 (empty elsewhere).
MemoryUsage sum_over_ranks(const MemoryUsage& local, const boost::mpi::communicator& comm);

/// The peak RSS of every rank added up.
std::uint64_t peak_rss_sum(std::span<const EngineStats> ranks);

/// Collective: every rank's counted total (its largest sample), on rank 0
/// (empty elsewhere).
std::vector<std::uint64_t> counted_by_rank(const MemoryUsage& local, const boost::mpi::communicator& comm);

/// One line per category: MiB, bytes per peer, share of the counted total;
/// then the counted total against the summed peak RSS; then, with several
/// ranks, each rank's counted total and peak RSS, and its peak x ranks /
/// peers (the sweep table's bytes per peer when taken of the larger rank).
void print_memory(std::ostream& out, const MemoryUsage& usage, std::uint64_t peers, std::span<const EngineStats> ranks,
                  std::span<const std::uint64_t> counted_by_rank);

}  // namespace p2pgrid
