#include "p2pgrid/app/memory_report.hpp"

#include <boost/mpi/collectives/gather.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdio>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "p2pgrid/sim/engine.hpp"

namespace p2pgrid {

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

std::uint64_t peak_rss_sum(std::span<const EngineStats> ranks) {
  std::uint64_t sum = 0;
  for (const EngineStats& s : ranks) sum += s.peak_rss_bytes;
  return sum;
}

void print_memory(std::ostream& out, const MemoryUsage& usage, std::uint64_t peers, std::uint64_t peak_rss_sum) {
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
  const double rss = static_cast<double>(peak_rss_sum);
  std::snprintf(line, sizeof line,
                "  counted %.1f bytes/peer; peak RSS %.1f bytes/peer: %.1f not counted (allocator slack, code, "
                "MPI and HDF5 libraries, freed memory)\n",
                total / n, rss / n, (rss - total) / n);
  out << line;
}

}  // namespace p2pgrid
