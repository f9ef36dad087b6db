// The memory report (docs/performance.md, "Memory by category"): each layer
// counts what it holds, and the figures add up the way the per-peer structs
// say they must, on any rank count.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <sstream>
#include <string>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/app/memory_report.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/overlay/chord/node.hpp"
#include "support/mpi_run.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kGrid = R"(
[run]
protocol = "grid"
duration = "10min"
[peers]
count = 300
[chord]
bootstrap = "oracle"
[workload]
jobs = 200
clients = 4
interarrival = "1s"
run_time = "30s"
[match]
kind = "rntree"
)";

std::uint64_t category(const MemoryUsage& m, const std::string& name) {
  for (const auto& [n, bytes] : m.categories()) {
    if (n == name) return bytes;
  }
  ADD_FAILURE() << "no category " << name;
  return 0;
}

TEST(MemoryUsage, AddsByNameInFirstUseOrder) {
  MemoryUsage m;
  m.add("b", 3);
  m.add("a", 4);
  m.add("b", 5);
  MemoryUsage other;
  other.add("c", 1);
  other.add("a", 1);
  m.merge(other);
  ASSERT_EQ(m.categories().size(), 3U);
  EXPECT_EQ(m.categories()[0], (MemoryUsage::Category{"b", 8}));
  EXPECT_EQ(m.categories()[1], (MemoryUsage::Category{"a", 5}));
  EXPECT_EQ(m.categories()[2], (MemoryUsage::Category{"c", 1}));
  EXPECT_EQ(m.total(), 14U);
}

TEST(MemoryReport, LayersAddUpOnEveryRankCount) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(kGrid);
  for (const int n : {1, 2}) {
    if (n > world.size()) break;
    const auto comm = test::first_ranks(world, n);
    if (world.rank() < n) {
      NullTraceSink sink;
      const RunResult r = run_scenario(scenario, comm, sink, {});
      if (comm.rank() == 0) {
        const MemoryUsage& m = r.memory;
        // One struct per peer, whatever the split, plus one block of lookup
        // slots for each peer with a lookup in flight.
        const std::uint64_t chord = category(m, "chord");
        const std::uint64_t inline_bytes = std::uint64_t{scenario.peers} * sizeof(chord::Node);
        EXPECT_GE(chord, inline_bytes) << n << " ranks";
        const std::uint64_t heap = chord - std::min(chord, inline_bytes);
        EXPECT_EQ(heap % chord::Node::kLookupSlotsBytes, 0U) << n << " ranks";
        EXPECT_LE(heap / chord::Node::kLookupSlotsBytes, scenario.peers) << n << " ranks";
        // The job layer held jobs (clients, owners, queues): more than its structs.
        EXPECT_GT(category(m, "grid"), std::uint64_t{scenario.peers} * sizeof(grid::GridNode)) << n << " ranks";
        // Every rank holds the whole plan (200 jobs of 4 clients, no
        // parents), its lists without growth slack, plus the map's nodes.
        const std::uint64_t plan_jobs = std::uint64_t{200} * sizeof(grid::JobSpec);
        EXPECT_GE(category(m, "workload plan"), static_cast<std::uint64_t>(n) * plan_jobs) << n << " ranks";
        EXPECT_LE(category(m, "workload plan"), static_cast<std::uint64_t>(n) * (plan_jobs + 1024)) << n << " ranks";
        EXPECT_GT(category(m, "engine: event keys, timers"), 0U);
        EXPECT_GT(category(m, "engine: message bodies"), 0U);
        EXPECT_GT(category(m, "engine: peer table"), 0U);
        std::ostringstream out;
        print_memory(out, m, scenario.peers, r.all, r.counted_by_rank);
        EXPECT_NE(out.str().find("chord"), std::string::npos);
        EXPECT_NE(out.str().find("not counted"), std::string::npos);
        // Each rank's own total, and they add up to the summed report.
        ASSERT_EQ(r.counted_by_rank.size(), static_cast<std::size_t>(n));
        std::uint64_t ranks_total = 0;
        for (const std::uint64_t c : r.counted_by_rank) {
          EXPECT_GT(c, 0U);
          ranks_total += c;
        }
        EXPECT_EQ(ranks_total, m.total()) << n << " ranks";
        EXPECT_EQ(out.str().find("peak x ranks / peers") != std::string::npos, n > 1) << out.str();
      }
    }
    world.barrier();
  }
}

// The resident bytes before any scenario (code, libraries, MPI) are a
// category once noted, as main() does, and lie within the peak.
TEST(MemoryReport, ProcessAtStartIsACategory) {
  const boost::mpi::communicator world;
  const Scenario scenario = test::scenario_from_text(kGrid);
  const auto comm = test::first_ranks(world, 1);
  if (world.rank() == 0) {
    note_process_start();
    NullTraceSink sink;
    const RunResult r = run_scenario(scenario, comm, sink, {});
    const std::uint64_t start = category(r.memory, kProcessAtStart);
    EXPECT_GT(start, 0U);
    // Linux keeps a process's resident pages in per-CPU counters and reads
    // them without summing the CPUs' pending batches (up to
    // max(32, 2 x CPUs) pages each): a reading may lag by that many pages
    // per CPU. This scenario's peak lies within a few pages of the start,
    // so two readings may disagree by up to twice that (24 pages seen).
    const auto cpus = static_cast<std::uint64_t>(sysconf(_SC_NPROCESSORS_CONF));
    const std::uint64_t lag = 2 * std::max<std::uint64_t>(32, 2 * cpus) * cpus *
                              static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    EXPECT_LE(start, r.all.at(0).peak_rss_bytes + lag);
    // Bytes, not a page count: whole pages of them.
    EXPECT_EQ(start % static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)), 0U);
  }
  world.barrier();
}

}  // namespace
}  // namespace p2pgrid
