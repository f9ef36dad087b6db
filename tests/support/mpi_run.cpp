#include "support/mpi_run.hpp"

#include <boost/mpi/collectives/gather.hpp>

#include "p2pgrid/api/memory_trace_sink.hpp"

namespace p2pgrid::test {

std::string run_canonical(const boost::mpi::communicator& comm, const Scenario& scenario,
                          const std::vector<const TableDesc*>& tables, const BeforeRun& before_run) {
  MemoryTraceSink sink;
  run_scenario(scenario, comm, sink, nullptr, before_run);
  std::string out;
  for (const TableDesc* table : tables) {
    const auto& mine = sink.bytes(*table);
    std::vector<char> local(reinterpret_cast<const char*>(mine.data()),
                            reinterpret_cast<const char*>(mine.data()) + mine.size());
    std::vector<std::vector<char>> all;
    boost::mpi::gather(comm, local, all, 0);
    if (comm.rank() != 0) continue;
    std::vector<std::byte> merged;
    for (const auto& part : all) {
      const auto* p = reinterpret_cast<const std::byte*>(part.data());
      merged.insert(merged.end(), p, p + part.size());
    }
    out += "# " + std::string(table->name) + "\n" + canonical_text(*table, merged);
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
