// Engine throughput on PHOLD with 100,000 peers, on however many ranks the
// benchmark is launched with:
//   build/release/bench/p2pgrid_bench_engine_phold
//   mpiexec -n 2 build/release/bench/p2pgrid_bench_engine_phold
// Every rank runs the same fixed iterations (collectives inside); rank 0
// reports. Counters: events/s in total and per rank.

#include <benchmark/benchmark.h>

#include "mpi_benchmark_main.hpp"

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/sim/engine.hpp"
#include "p2pgrid/sim/mpi_exchanger.hpp"
#include "p2pgrid/workload/phold.hpp"

namespace p2pgrid {
namespace {

void BM_EnginePhold(benchmark::State& state) {
  const boost::mpi::communicator world;
  const auto peers = static_cast<std::uint32_t>(state.range(0));
  const NetworkModel network(NetworkParams{}, 1);
  const auto partition = make_partition("block", peers, world.size());
  const FaultPlan faults;
  NullTraceSink sink;
  std::uint64_t events = 0;
  for (auto _ : state) {
    MpiExchanger exchanger(world);
    EngineParams params;
    params.peers = peers;
    params.seed = 1;
    params.end = Time{Duration::seconds(state.range(1)).ns};
    phold::Params pp;
    pp.peers = peers;
    pp.initial = 1;
    Engine engine(params, network, faults, *partition, exchanger, sink, phold::factory(pp));
    const EngineStats stats = engine.run();
    events += boost::mpi::all_reduce(world, stats.events, std::plus<>());
  }
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["events/s/rank"] =
      benchmark::Counter(static_cast<double>(events) / world.size(), benchmark::Counter::kIsRate);
  state.counters["ranks"] = world.size();
}
// Fixed iterations: every rank must enter the collectives the same number of times.
BENCHMARK(BM_EnginePhold)->Args({100'000, 5})->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace p2pgrid

int main(int argc, char** argv) { return p2pgrid::bench::run_mpi_benchmarks(argc, argv); }
