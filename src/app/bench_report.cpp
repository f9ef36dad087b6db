#include "p2pgrid/app/bench_report.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/mpi/collectives/broadcast.hpp>

#include "p2pgrid/app/memory_report.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {

const char* const kBenchCsvHeader =
    "scenario,protocol,peers,ranks,sim_seconds,events,wall_seconds,events_per_second_per_rank,"
    "peak_rss_bytes_per_rank,bytes_per_peer,windows_per_sim_second,remote_message_share";

namespace {

/// Opens the CSV for appending (rank 0), with a header if it is new or
/// empty. Every rank learns whether that worked, so all fail together.
bool open_csv(const std::string& path, const boost::mpi::communicator& comm, std::ofstream& csv) {
  int ok = 1;
  if (comm.rank() == 0 && !path.empty()) {
    std::error_code ec;
    const bool fresh = !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
    csv.open(path, std::ios::app);
    if (!csv) {
      std::cerr << "p2pgrid: error: --csv " << path << ": cannot open for appending: " << std::strerror(errno) << '\n';
      ok = 0;
    } else if (fresh) {
      csv << kBenchCsvHeader << '\n';
    }
  }
  boost::mpi::broadcast(comm, ok, 0);
  return ok != 0;
}

}  // namespace

int run_bench(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
              const std::string& csv_path, bool memory, const boost::mpi::communicator& comm, std::ostream& out) {
  std::vector<Scenario> scenarios;
  try {
    for (const auto& c : configs) scenarios.push_back(Scenario::load(c, overrides));
  } catch (const ConfigError& e) {
    if (comm.rank() == 0) std::cerr << "p2pgrid: error: " << e.what() << '\n';
    return 2;
  }
  std::ofstream csv;
  if (!open_csv(csv_path, comm, csv)) return 2;
  char line[512];
  if (comm.rank() == 0) {
    std::snprintf(line, sizeof line, "%-28s %9s %5s %7s %12s %8s %12s %10s %10s %9s %7s\n", "scenario", "peers", "ranks",
                  "sim s", "events", "wall s", "events/s/rk", "RSS/rk MiB", "bytes/peer", "win/sim s", "remote");
    out << line << std::flush;
  }
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    const Scenario& s = scenarios[i];
    NullTraceSink sink;
    const RunResult r = run_scenario(s, comm, sink, {});
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
    const std::string name = std::filesystem::path(configs[i]).stem().string();
    const double rate = wall > 0 ? static_cast<double>(events) / wall / ranks : 0.0;
    const double bytes_per_peer = static_cast<double>(rss) * ranks / static_cast<double>(s.peers);
    const double windows_rate = static_cast<double>(windows) / sim;
    const double remote_share = messages > 0 ? static_cast<double>(remote) / static_cast<double>(messages) : 0.0;
    std::snprintf(line, sizeof line, "%-28s %9u %5zu %7.0f %12llu %8.2f %12.3g %10.1f %10.0f %9.1f %6.1f%%\n",
                  name.c_str(), s.peers, r.all.size(), sim, static_cast<unsigned long long>(events), wall, rate,
                  static_cast<double>(rss) / (1024.0 * 1024.0), bytes_per_peer, windows_rate, 100.0 * remote_share);
    out << line << std::flush;
    if (memory) print_memory(out, r.memory, s.peers, r.all, r.counted_by_rank);
    if (csv.is_open()) {
      std::snprintf(line, sizeof line, "%s,%s,%u,%zu,%.3f,%llu,%.3f,%.6g,%llu,%.1f,%.3f,%.4f\n", name.c_str(),
                    s.protocol.c_str(), s.peers, r.all.size(), sim, static_cast<unsigned long long>(events), wall, rate,
                    static_cast<unsigned long long>(rss), bytes_per_peer, windows_rate, remote_share);
      csv << line << std::flush;
    }
  }
  return 0;
}

}  // namespace p2pgrid
