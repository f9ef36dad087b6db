// Runs the gossip protocol on p2pgrid's engine, on as many ranks as mpiexec
// gives it, and writes its table to an HDF5 trace:  gossip [PEERS] [OUT.h5]

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "gossip.hpp"
#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/sim/engine.hpp"
#include "p2pgrid/sim/mpi_exchanger.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace {

/// Counts the informed peers on this rank while passing rows on.
class Counter final : public p2pgrid::TraceSink {
 public:
  explicit Counter(p2pgrid::TraceSink& inner) : inner_(inner) {}
  void append(const p2pgrid::TableDesc& table, const void* row) override {
    if (&table == &gossip::RumourRecord::kTable && static_cast<const gossip::RumourRecord*>(row)->heard_ns >= 0) {
      ++informed;
    }
    inner_.append(table, row);
  }
  [[nodiscard]] bool enabled(const p2pgrid::TableDesc& table) const override { return inner_.enabled(table); }
  [[nodiscard]] bool wants_flush() const override { return inner_.wants_flush(); }
  void flush() override { inner_.flush(); }
  unsigned long informed = 0;

 private:
  p2pgrid::TraceSink& inner_;
};

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  const boost::mpi::communicator world;
  const std::uint32_t peers = argc > 1 ? static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10)) : 1000;
  const std::string out = argc > 2 ? argv[2] : "";

  p2pgrid::NetworkModel network(p2pgrid::NetworkParams{}, 1);
  const auto partition = p2pgrid::make_partition("block", peers, world.size());
  p2pgrid::MpiExchanger exchanger(world);
  // The engine itself records every peer's start (and crash) in `faults`.
  const std::vector<const p2pgrid::TableDesc*> tables{&gossip::RumourRecord::kTable, &p2pgrid::FaultRecord::kTable};
  p2pgrid::MemoryTraceSink memory;
  std::unique_ptr<p2pgrid::Hdf5TraceSink> file;
  if (!out.empty()) file = std::make_unique<p2pgrid::Hdf5TraceSink>(out, tables, p2pgrid::TraceOptions{}, world);
  Counter counter(file ? static_cast<p2pgrid::TraceSink&>(*file) : memory);

  p2pgrid::EngineParams params;
  params.peers = peers;
  params.seed = 1;
  params.end = p2pgrid::Time{p2pgrid::Duration::seconds(30).ns};
  p2pgrid::Engine engine(params, network, p2pgrid::FaultPlan{}, *partition, exchanger, counter,
                         gossip::factory({peers, 3}));
  const auto stats = engine.run();
  if (file) file->close();
  const unsigned long informed = boost::mpi::all_reduce(world, counter.informed, std::plus<>());
  if (world.rank() == 0) {
    std::printf("gossip: %lu of %u peers informed on %d rank(s), %llu events on rank 0\n", informed, peers,
                world.size(), static_cast<unsigned long long>(stats.events));
  }
  return informed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
