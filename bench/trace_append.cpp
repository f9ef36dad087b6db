// Trace throughput: rows per second appended per rank into the HDF5 trace,
// flushes (collective writes, shuffle + gzip, H5Fflush) included.
//
//   p2pgrid_bench_trace_append                              # 1 rank
//   mpiexec -n 2 p2pgrid_bench_trace_append                 # collective, 2 ranks
//
// Rows are JobRecord (128 bytes, the widest table). Files go to $TMPDIR
// (default /tmp) and are removed afterwards.

#include <benchmark/benchmark.h>

#include "mpi_benchmark_main.hpp"
#include <unistd.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace p2pgrid {
namespace {

std::string bench_path(const boost::mpi::communicator& comm, const std::string& name) {
  std::string path;
  if (comm.rank() == 0) {
    const char* dir = std::getenv("TMPDIR");
    path = std::string(dir != nullptr ? dir : "/tmp") + "/p2pgrid_bench_" + name + "_" + std::to_string(getpid()) + ".h5";
  }
  boost::mpi::broadcast(comm, path, 0);
  return path;
}

JobRecord row(std::uint64_t i, int rank) {
  // Realistic-looking columns (times grow, ids vary) so gzip does real work.
  JobRecord r{};
  r.job = (std::uint64_t(rank) << 32U) | i;
  r.guid = (i * 0x9e3779b97f4a7c15ULL) ^ std::uint64_t(rank);
  r.client = static_cast<std::uint32_t>(i % 1000);
  r.owner = static_cast<std::uint32_t>((i * 7) % 100'000);
  r.run_node = static_cast<std::uint32_t>((i * 13) % 100'000);
  r.match_hops = static_cast<std::uint32_t>(i % 17);
  r.submit_ns = static_cast<std::int64_t>(i) * 1'000'003;
  r.matched_ns = r.submit_ns + 50'000'000;
  r.started_ns = r.matched_ns + static_cast<std::int64_t>(i % 1000) * 1'000'000;
  r.finished_ns = r.started_ns + 3'600'000'000'000;
  r.min_cpu = static_cast<double>(i % 4) * 0.5;
  r.run_time_ns = 3'600'000'000'000;
  r.input_bytes = i % 100'000'000;
  return r;
}

/// range(0) rows per rank between collective flushes, range(1) gzip level.
void BM_TraceAppendFlush(benchmark::State& state) {
  const boost::mpi::communicator world;
  const std::string path = bench_path(world, "append");
  const auto per_flush = static_cast<std::uint64_t>(state.range(0));
  TraceOptions options;
  options.gzip_level = static_cast<unsigned>(state.range(1));
  options.buffer_bytes = per_flush * sizeof(JobRecord);
  const TableDesc* tables[] = {&JobRecord::kTable};
  std::uint64_t i = 0;
  {
    Hdf5TraceSink sink(path, tables, options, world);
    for (auto _ : state) {
      for (std::uint64_t k = 0; k < per_flush; ++k) sink.record(row(i++, world.rank()));
      sink.flush();
    }
    sink.close();
    state.counters["independent_writes"] = static_cast<double>(sink.stats().independent_writes);
  }
  state.counters["rows/s/rank"] = benchmark::Counter(static_cast<double>(i), benchmark::Counter::kIsRate);
  state.counters["MiB/s/rank"] =
      benchmark::Counter(static_cast<double>(i * sizeof(JobRecord)) / (1 << 20), benchmark::Counter::kIsRate);
  if (world.rank() == 0) std::filesystem::remove(path);
}
// Fixed iterations: every rank must enter the collective flushes equally often.
BENCHMARK(BM_TraceAppendFlush)
    ->Args({65'536, 1})
    ->Args({65'536, 6})
    ->Args({8'192, 1})
    ->Iterations(30)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// append() alone: the cost a protocol pays per row (a copy into the buffer).
void BM_TraceAppendOnly(benchmark::State& state) {
  const boost::mpi::communicator self(MPI_COMM_SELF, boost::mpi::comm_attach);
  const std::string path = bench_path(self, "append_only_r" + std::to_string(boost::mpi::communicator().rank()));
  TraceOptions options;
  const TableDesc* tables[] = {&JobRecord::kTable};
  Hdf5TraceSink sink(path, tables, options, self);
  const JobRecord r = row(1, 0);
  std::uint64_t n = 0;
  for (auto _ : state) {
    sink.record(r);
    if (++n % 65'536 == 0) {  // keep memory bounded; the write is not timed here
      state.PauseTiming();
      sink.flush();
      state.ResumeTiming();
    }
  }
  sink.close();
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
  std::filesystem::remove(path);
}
BENCHMARK(BM_TraceAppendOnly);

}  // namespace
}  // namespace p2pgrid

int main(int argc, char** argv) { return p2pgrid::bench::run_mpi_benchmarks(argc, argv); }
