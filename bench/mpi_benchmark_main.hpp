#pragma once
// main() for benchmarks that run under mpiexec: every rank runs every
// benchmark (they take part in collectives), only rank 0 reports. Such
// benchmarks must use fixed iteration counts, so all ranks agree.

#include <benchmark/benchmark.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <vector>

namespace p2pgrid::bench {

/// Ranks other than 0 run every benchmark but print nothing.
class QuietReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& /*context*/) override { return true; }
  void ReportRuns(const std::vector<Run>& /*runs*/) override {}
};

inline int run_mpi_benchmarks(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  const boost::mpi::communicator world;
  benchmark::Initialize(&argc, argv);
  if (world.rank() != 0) {
    QuietReporter quiet;
    benchmark::RunSpecifiedBenchmarks(&quiet);
  } else {
    benchmark::RunSpecifiedBenchmarks();
  }
  benchmark::Shutdown();
  return 0;
}

}  // namespace p2pgrid::bench
