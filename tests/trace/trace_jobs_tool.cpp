// Writes a synthetic jobs table through the real HDF5 trace writer, for the
// postprocessing tests (figure2, gantt, canon) and the kill -9 test, until
// the job layer fills the table for real.
//
// Job i is a pure function of (seed, i) (splitmix64, mirrored in
// postprocess/tests/synthetic_jobs.py), and rank r writes the jobs with
// i % ranks == r, so the table is the same set of rows on any rank count.
//
//   trace_jobs_tool OUT.h5 --jobs N [--seed S] [--matchmaker rntree]
//                   [--scenario NAME] [--nodes M] [--batch B]
//                   [--flush-interval-ms T] [--sleep-ms D] [--forever]
//
// Each batch of B jobs per rank is followed by a collective flush when any
// rank wants one; after every flush rank 0 prints "flushed ROWS" (rows in
// the file) so a test knows what a SIGKILL must leave readable.

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "p2pgrid/app/version.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

/// Mean wait per matchmaker, so figure2 has something to tell apart.
std::int64_t mean_wait_ns(const std::string& matchmaker) {
  if (matchmaker == "central") return 2'000'000'000;
  if (matchmaker == "rntree") return 5'000'000'000;
  if (matchmaker == "can") return 8'000'000'000;
  return 11'000'000'000;
}

p2pgrid::JobRecord make_job(std::uint64_t seed, std::uint64_t i, std::uint32_t nodes, std::int64_t mean_wait) {
  const std::uint64_t h = splitmix64(seed ^ splitmix64(i));
  const std::uint64_t h2 = splitmix64(h);
  const auto client = static_cast<std::uint32_t>(i % 50);
  p2pgrid::JobRecord r{};
  r.job = (std::uint64_t{client} << 32U) | (i / 50);
  r.guid = h;
  r.client = client;
  r.owner = static_cast<std::uint32_t>(h2 % nodes);
  const bool failed = h % 20 == 0;
  r.run_node = failed ? 0xffffffffU : static_cast<std::uint32_t>((h >> 20U) % nodes);
  r.status = failed ? 1 : 0;
  r.reason = failed ? 1 : 0;
  r.recoveries = static_cast<std::uint32_t>((h >> 8U) % 3);
  r.resubmissions = 0;
  r.duplicate_runs = 0;
  r.match_hops = static_cast<std::uint32_t>((h >> 12U) % 16);
  r.match_messages = r.match_hops * 2;
  r.submit_ns = static_cast<std::int64_t>(i) * 100'000'000 + static_cast<std::int64_t>(h2 % 100'000'000);
  r.run_time_ns = 1'000'000'000 + static_cast<std::int64_t>((h2 >> 16U) % 60'000'000'000ULL);
  const std::int64_t wait = static_cast<std::int64_t>((h2 >> 24U) % static_cast<std::uint64_t>(2 * mean_wait));
  r.matched_ns = failed ? -1 : r.submit_ns + static_cast<std::int64_t>(r.match_hops) * 10'000'000;
  r.started_ns = failed ? -1 : r.submit_ns + wait;
  r.finished_ns = failed ? -1 : r.started_ns + r.run_time_ns;
  r.ended_ns = failed ? r.submit_ns + 1'800'000'000'000 : r.finished_ns;
  r.min_cpu = static_cast<double>(h % 4) * 0.5;
  r.min_memory = static_cast<double>((h >> 4U) % 8);
  r.min_disk = 0;
  r.input_bytes = (h >> 32U) % 1'000'000;
  r.user = client;  // each client one user, as in the paper's workload
  r.parents = 0;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv, boost::mpi::threading::single);
  const boost::mpi::communicator world;
  if (argc < 2) {
    std::cerr << "usage: trace_jobs_tool OUT.h5 --jobs N [options]\n";
    return 2;
  }
  const std::string out = argv[1];
  std::uint64_t jobs = 1000;
  std::uint64_t seed = 1;
  std::uint64_t batch = 100;
  std::uint32_t nodes = 40;
  std::int64_t flush_ms = 10'000;
  std::int64_t sleep_ms = 0;
  bool forever = false;
  std::string matchmaker = "rntree";
  std::string scenario = "synthetic";
  for (int a = 2; a < argc; ++a) {
    const std::string k = argv[a];
    const auto next = [&]() -> std::string {
      if (a + 1 >= argc) {
        std::cerr << "trace_jobs_tool: " << k << " needs a value\n";
        std::exit(2);
      }
      return argv[++a];
    };
    if (k == "--jobs") jobs = std::stoull(next());
    else if (k == "--seed") seed = std::stoull(next());
    else if (k == "--batch") batch = std::stoull(next());
    else if (k == "--nodes") nodes = static_cast<std::uint32_t>(std::stoul(next()));
    else if (k == "--flush-interval-ms") flush_ms = std::stoll(next());
    else if (k == "--sleep-ms") sleep_ms = std::stoll(next());
    else if (k == "--matchmaker") matchmaker = next();
    else if (k == "--scenario") scenario = next();
    else if (k == "--forever") forever = true;
    else {
      std::cerr << "trace_jobs_tool: unknown option " << k << '\n';
      return 2;
    }
  }

  const p2pgrid::TableDesc* tables[] = {&p2pgrid::JobRecord::kTable};
  p2pgrid::TraceOptions options;
  options.flush_interval = std::chrono::milliseconds(flush_ms);
  p2pgrid::Hdf5TraceSink sink(out, tables, options, world);
  sink.set_attribute("p2pgrid_version", std::string_view(p2pgrid::kVersion));
  sink.set_attribute("git_commit", std::string_view(p2pgrid::kGitCommit));
  sink.set_attribute("config", "[run]\nprotocol = \"synthetic-jobs\"\nseed = " + std::to_string(seed) +
                                   "\n\n[match]\nkind = \"" + matchmaker + "\"\n\n[workload]\nname = \"" + scenario +
                                   "\"\n");
  sink.set_attribute("seed", static_cast<std::int64_t>(seed));
  sink.set_attribute("ranks", static_cast<std::int64_t>(world.size()));
  const std::int64_t mean_wait = mean_wait_ns(matchmaker);
  const auto ranks = static_cast<std::uint64_t>(world.size());
  const auto me = static_cast<std::uint64_t>(world.rank());
  std::uint64_t i = me;
  // Every rank runs the same number of rounds: collective flushes line up.
  const std::uint64_t rounds = (jobs + ranks * batch - 1) / (ranks * batch);
  for (std::uint64_t round = 0; forever || round < rounds; ++round) {
    for (std::uint64_t b = 0; b < batch && (forever || i < jobs); ++b, i += ranks) {
      sink.record(make_job(seed, i, nodes, mean_wait));
    }
    if (boost::mpi::all_reduce(world, sink.wants_flush(), std::logical_or<>())) {
      sink.flush();
      if (world.rank() == 0) std::cout << "flushed " << sink.rows_in_file(p2pgrid::JobRecord::kTable) << std::endl;
    }
    if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
  }
  sink.close();
  if (world.rank() == 0) {
    const auto& s = sink.stats();
    std::cout << "done " << sink.rows_in_file(p2pgrid::JobRecord::kTable) << " rows, " << s.writes << " writes, "
              << s.independent_writes << " independent\n";
  }
  return 0;
}
