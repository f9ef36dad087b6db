#include "support/mpi_run.hpp"

#include <boost/mpi/collectives/gather.hpp>
#include <boost/mpi/collectives/gatherv.hpp>

#include "p2pgrid/api/memory_trace_sink.hpp"

namespace p2pgrid::test {

MemoryTraceSink run_gathered(const boost::mpi::communicator& comm, const Scenario& scenario,
                             const std::vector<const TableDesc*>& tables, const BeforeRun& before_run,
                             const CheckpointOptions& checkpoint) {
  MemoryTraceSink sink;
  run_scenario(scenario, comm, sink, {}, before_run, checkpoint);
  MemoryTraceSink merged;
  for (const TableDesc* table : tables) {
    const auto& mine = sink.bytes(*table);
    // Sizes first, then one gatherv of raw bytes (no serialization).
    const int size = static_cast<int>(mine.size());
    // An empty vector's data() may be null, which Boost.MPI hands to memcpy
    // (undefined even for 0 bytes; UBSan stops there): point at a dummy.
    static const char kNone = 0;
    const char* mine_bytes = mine.empty() ? &kNone : reinterpret_cast<const char*>(mine.data());
    std::vector<int> sizes;
    boost::mpi::gather(comm, size, sizes, 0);
    if (comm.rank() == 0) {
      std::size_t total = 0;
      for (const int s : sizes) total += static_cast<std::size_t>(s);
      std::vector<char> all(std::max<std::size_t>(total, 1));
      boost::mpi::gatherv(comm, mine_bytes, size, all.data(), sizes, 0);
      all.resize(total);
      for (std::size_t off = 0; off + table->row_size <= all.size(); off += table->row_size) {
        merged.append(*table, all.data() + off);
      }
    } else {
      boost::mpi::gatherv(comm, mine_bytes, size, 0);
    }
  }
  return merged;
}

std::string run_canonical(const boost::mpi::communicator& comm, const Scenario& scenario,
                          const std::vector<const TableDesc*>& tables, const BeforeRun& before_run) {
  const MemoryTraceSink merged = run_gathered(comm, scenario, tables, before_run);
  std::string out;
  if (comm.rank() != 0) return out;
  for (const TableDesc* table : tables) {
    out += "# " + std::string(table->name) + "\n" + canonical_text(*table, merged.bytes(*table));
  }
  return out;
}

Scenario scenario_from_text(const std::string& toml, const std::vector<std::string>& overrides) {
  return Scenario::from_config(Config::parse(scenario_schema(), toml, "test.toml", overrides));
}

boost::mpi::communicator first_ranks(const boost::mpi::communicator& world, int n) {
  const bool in = world.rank() < n;
  return world.split(in ? 0 : 1, world.rank());
}

}  // namespace p2pgrid::test
