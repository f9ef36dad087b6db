#include "p2pgrid/app/memory_report.hpp"

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <unistd.h>

#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "p2pgrid/sim/engine.hpp"

namespace p2pgrid {
namespace {

std::uint64_t process_start_bytes = 0;

}  // namespace

std::uint64_t current_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0;
  unsigned long long resident = 0;
  const int read = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (read != 2) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

void note_process_start() { process_start_bytes = current_rss_bytes(); }

void MemorySampler::observe(const Engine& engine, Time next) {
  if (taken_ >= kSamples) return;
  const Time mark{end_.ns / kSamples * (taken_ + 1)};
  if (next < mark) return;
  // A window may cross several marks (a quiet stretch): one sample stands for them all.
  while (taken_ < kSamples && Time{end_.ns / kSamples * (taken_ + 1)} <= next) ++taken_;
  sample(engine);
}

void MemorySampler::finish(const Engine& engine) { sample(engine); }

void MemorySampler::sample(const Engine& engine) {
  MemoryUsage now = engine.memory();
  if (process_start_bytes > 0) now.add(kProcessAtStart, process_start_bytes);
  if (largest_.categories().empty() || now.total() > largest_.total()) largest_ = std::move(now);
}

MemoryUsage sum_over_ranks(const MemoryUsage& local, const boost::mpi::communicator& comm) {
  std::vector<std::vector<MemoryUsage::Category>> all;
  boost::mpi::gather(comm, local.categories(), all, 0);
  MemoryUsage sum;
  for (const auto& rank : all) {
    for (const auto& [name, bytes] : rank) sum.add(name, bytes);
  }
  return sum;
}

std::vector<std::uint64_t> counted_by_rank(const MemoryUsage& local, const boost::mpi::communicator& comm) {
  std::vector<std::uint64_t> all;
  boost::mpi::gather(comm, local.total(), all, 0);
  return all;
}

std::uint64_t peak_rss_sum(std::span<const EngineStats> ranks) {
  std::uint64_t sum = 0;
  for (const EngineStats& s : ranks) sum += s.peak_rss_bytes;
  return sum;
}

void print_memory(std::ostream& out, const MemoryUsage& usage, std::uint64_t peers, std::span<const EngineStats> ranks,
                  std::span<const std::uint64_t> counted_by_rank) {
  if (usage.categories().empty() || peers == 0) return;
  const double n = static_cast<double>(peers);
  const double total = static_cast<double>(usage.total());
  char line[256];
  out << "memory by category (each rank's largest sample, summed over ranks):\n";
  std::snprintf(line, sizeof line, "  %-30s %10s %11s %7s\n", "category", "MiB", "bytes/peer", "share");
  out << line;
  for (const auto& [name, bytes] : usage.categories()) {
    const double b = static_cast<double>(bytes);
    std::snprintf(line, sizeof line, "  %-30s %10.1f %11.1f %6.1f%%\n", name.c_str(), b / (1024.0 * 1024.0), b / n,
                  total > 0 ? 100.0 * b / total : 0.0);
    out << line;
  }
  const double rss = static_cast<double>(peak_rss_sum(ranks));
  std::snprintf(line, sizeof line,
                "  counted %.1f bytes/peer; peak RSS %.1f bytes/peer: %.1f not counted (allocator slack, freed "
                "memory, libraries loaded during the run)\n",
                total / n, rss / n, (rss - total) / n);
  out << line;
  if (ranks.size() < 2 || counted_by_rank.size() != ranks.size()) return;
  // The ranks differ (clients, the partition's cut): a machine must hold the largest.
  const double size = static_cast<double>(ranks.size());
  std::snprintf(line, sizeof line, "  %-6s %14s %14s %22s\n", "rank", "counted MiB", "peak RSS MiB",
                "peak x ranks / peers");
  out << line;
  for (std::size_t r = 0; r < ranks.size(); ++r) {
    const double peak = static_cast<double>(ranks[r].peak_rss_bytes);
    std::snprintf(line, sizeof line, "  %-6zu %14.1f %14.1f %22.1f\n", r,
                  static_cast<double>(counted_by_rank[r]) / (1024.0 * 1024.0), peak / (1024.0 * 1024.0),
                  peak * size / n);
    out << line;
  }
}

}  // namespace p2pgrid
