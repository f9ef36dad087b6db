#include "p2pgrid/app/runner.hpp"

#include <algorithm>
#include <boost/mpi/collectives/gather.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>

#include "p2pgrid/app/progress.hpp"
#include "p2pgrid/sim/mpi_exchanger.hpp"
#include "p2pgrid/sim/partition.hpp"

namespace p2pgrid {

RunResult run_scenario(const Scenario& scenario, const boost::mpi::communicator& comm, TraceSink& trace,
                       const ProgressTarget& progress, const BeforeRun& before_run) {
  const NetworkModel network(scenario.network, scenario.seed);
  const auto partition = make_partition(scenario.partition, scenario.peers, comm.size(), scenario.seed);
  MpiExchanger exchanger(comm);
  const Deployment& deployment = scenario.deploy();
  EngineParams params;
  params.peers = scenario.peers;
  params.seed = scenario.seed;
  params.end = scenario.end;
  params.start_time = deployment.start_time;
  params.idle_check = deployment.idle_check;
  params.traffic = scenario.config.boolean("trace.traffic");
  params.log = scenario.config.boolean("run.log");
  FaultPlan faults = scenario.faults;
  if (deployment.exempt) std::erase_if(faults.events, [&](const FaultEvent& f) { return deployment.exempt(f.peer); });
  Engine engine(params, network, faults, *partition, exchanger, trace, deployment.factory);
  if (deployment.prepare) deployment.prepare(engine);
  if (before_run) before_run(engine);

  std::optional<ProgressReporter> reporter;
  if (progress.out != nullptr && comm.rank() == 0) {
    const bool live = progress_is_live(scenario.config.text("progress.mode"), progress.terminal, false);
    reporter.emplace(*progress.out, live, scenario.progress_interval, scenario.end);
  }
  RunResult result;
  result.local = engine.run([&](Time next, std::uint64_t events, const EngineStats& /*local*/) {
    if (reporter) reporter->update(next, events);
  });
  trace.record(result.local);

  // EngineStats is padding-free plain data: gather it as raw bytes.
  std::vector<char> mine(sizeof(EngineStats));
  std::memcpy(mine.data(), &result.local, sizeof(EngineStats));
  std::vector<char> all;
  boost::mpi::gather(comm, mine.data(), static_cast<int>(mine.size()), all, 0);
  if (comm.rank() == 0) {
    result.all.resize(static_cast<std::size_t>(comm.size()));
    std::memcpy(result.all.data(), all.data(), all.size());
  }
  if (reporter) {
    std::uint64_t events = 0;
    for (const EngineStats& s : result.all) events += s.events;
    reporter->finish(events);
  }
  return result;
}

void print_summary(std::ostream& out, const Scenario& scenario, const std::vector<EngineStats>& all) {
  EngineStats total;
  double wall = 0;
  std::uint64_t peak = 0;
  for (const auto& s : all) {
    total.events += s.events;
    total.messages += s.messages;
    total.remote_messages += s.remote_messages;
    total.remote_bytes += s.remote_bytes;
    total.dropped_dead += s.dropped_dead;
    total.lost += s.lost;
    total.partitioned += s.partitioned;
    total.windows = std::max(total.windows, s.windows);
    wall = std::max(wall, s.wall_seconds);
    peak = std::max(peak, s.peak_rss_bytes);
  }
  char line[256];
  // A run told to stop when idle may end before run.duration.
  std::int64_t end_ns = 0;
  for (const auto& s : all) end_ns = std::max(end_ns, s.sim_end_ns);
  out << "summary: protocol " << scenario.protocol << ", " << scenario.peers << " peers, " << all.size()
      << " rank(s), seed " << scenario.seed << ", " << Time{end_ns}.to_seconds() << " simulated s";
  if (end_ns < scenario.end.ns) out << " (stopped idle; run.duration " << scenario.end.to_seconds() << " s)";
  out << "\n";
  std::snprintf(line, sizeof line, "  %-6s %12s %12s %12s %10s %10s %12s %9s %10s\n", "rank", "peers", "events",
                "remote msgs", "windows", "wall s", "events/s", "peak MiB", "bytes/peer");
  out << line;
  for (const auto& s : all) {
    // Peak RSS over hosted peers: everything the process holds, per peer.
    std::snprintf(line, sizeof line, "  %-6lld %12llu %12llu %12llu %10llu %10.2f %12.3g %9.1f %10.0f\n",
                  static_cast<long long>(s.rank), static_cast<unsigned long long>(s.peers),
                  static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.remote_messages),
                  static_cast<unsigned long long>(s.windows), s.wall_seconds,
                  s.wall_seconds > 0 ? static_cast<double>(s.events) / s.wall_seconds : 0.0,
                  static_cast<double>(s.peak_rss_bytes) / (1024.0 * 1024.0),
                  s.peers > 0 ? static_cast<double>(s.peak_rss_bytes) / static_cast<double>(s.peers) : 0.0);
    out << line;
  }
  std::snprintf(line, sizeof line,
                "  total: %llu events in %.2f s wall = %.3g events/s (%.3g per rank); %llu messages, %.1f%% cross-rank; "
                "%llu to dead peers, %llu lost, %llu partitioned\n",
                static_cast<unsigned long long>(total.events), wall,
                wall > 0 ? static_cast<double>(total.events) / wall : 0.0,
                wall > 0 ? static_cast<double>(total.events) / wall / static_cast<double>(all.size()) : 0.0,
                static_cast<unsigned long long>(total.messages),
                total.messages ? 100.0 * static_cast<double>(total.remote_messages) / static_cast<double>(total.messages)
                               : 0.0,
                static_cast<unsigned long long>(total.dropped_dead), static_cast<unsigned long long>(total.lost),
                static_cast<unsigned long long>(total.partitioned));
  out << line;
}

}  // namespace p2pgrid
