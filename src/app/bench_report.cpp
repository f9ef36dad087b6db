#include "p2pgrid/app/bench_report.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {

int run_bench(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
              const boost::mpi::communicator& comm, std::ostream& out) {
  std::vector<Scenario> scenarios;
  try {
    for (const auto& c : configs) scenarios.push_back(Scenario::load(c, overrides));
  } catch (const ConfigError& e) {
    if (comm.rank() == 0) std::cerr << "p2pgrid: error: " << e.what() << '\n';
    return 2;
  }
  char line[512];
  if (comm.rank() == 0) {
    std::snprintf(line, sizeof line, "%-28s %9s %5s %7s %12s %8s %12s %10s %10s %9s %7s\n", "scenario", "peers", "ranks",
                  "sim s", "events", "wall s", "events/s/rk", "RSS/rk MiB", "bytes/peer", "win/sim s", "remote");
    out << line << std::flush;
  }
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    NullTraceSink sink;
    const RunResult r = run_scenario(s, comm, sink, nullptr);
    if (comm.rank() != 0) continue;
    std::uint64_t events = 0, messages = 0, remote = 0, windows = 0, rss = 0;
    double wall = 0;
    for (const EngineStats& e : r.all) {
      events += e.events;
      messages += e.messages;
      remote += e.remote_messages;
      windows = std::max(windows, e.windows);
      rss = std::max(rss, e.peak_rss_bytes);
      wall = std::max(wall, e.wall_seconds);
    }
    const double ranks = static_cast<double>(r.all.size());
    const double sim = s.end.to_seconds();
    std::snprintf(line, sizeof line, "%-28s %9u %5zu %7.0f %12llu %8.2f %12.3g %10.1f %10.0f %9.1f %6.1f%%\n",
                  std::filesystem::path(configs[i]).stem().string().c_str(), s.peers, r.all.size(), sim,
                  static_cast<unsigned long long>(events), wall,
                  wall > 0 ? static_cast<double>(events) / wall / ranks : 0.0,
                  static_cast<double>(rss) / (1024.0 * 1024.0),
                  static_cast<double>(rss) * ranks / static_cast<double>(s.peers),
                  static_cast<double>(windows) / sim,
                  messages > 0 ? 100.0 * static_cast<double>(remote) / static_cast<double>(messages) : 0.0);
    out << line << std::flush;
  }
  return 0;
}

}  // namespace p2pgrid
