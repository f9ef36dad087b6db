#include "p2pgrid/app/trace_output.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <set>
#include <stdexcept>

#include "p2pgrid/app/version.hpp"
#include "p2pgrid/sim/partition.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"
#include "p2pgrid/trace/node_record.hpp"

namespace p2pgrid {
namespace {

class NoTrace final : public TraceOutput {
 public:
  TraceSink& sink() override { return sink_; }
  void close(const RunResult& /*result*/) override {}

 private:
  NullTraceSink sink_;
};

/// Rank 0's wall clock as ISO 8601 UTC, the same string on every rank.
/// Provenance only: the simulation never reads it.
std::string wall_time_utc(const boost::mpi::communicator& comm) {
  std::string text;
  if (comm.rank() == 0) {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm utc{};
    gmtime_r(&now, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
    text = buffer;
  }
  boost::mpi::broadcast(comm, text, 0);
  return text;
}

/// Distinct host names of all ranks, sorted, comma-separated.
std::string host_names(const boost::mpi::communicator& comm) {
  char buffer[256] = {};
  gethostname(buffer, sizeof buffer - 1);
  std::vector<std::string> all;
  boost::mpi::all_gather(comm, std::string(buffer), all);
  const std::set<std::string> distinct(all.begin(), all.end());
  std::string out;
  for (const auto& h : distinct) out += (out.empty() ? "" : ",") + h;
  return out;
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(',', begin);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(begin, end - begin);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) out.push_back(name);
    begin = end + 1;
  }
  return out;
}

TraceOptions trace_options(const Scenario& scenario, const std::vector<const TableDesc*>& tables) {
  const Config& c = scenario.config;
  TraceOptions o;
  o.buffer_bytes = static_cast<std::size_t>(c.integer("trace.buffer"));
  o.flush_interval = std::chrono::milliseconds(std::max<std::int64_t>(1, c.duration("trace.flush_interval").ns / 1'000'000));
  o.gzip_level = static_cast<unsigned>(c.integer("trace.compression"));
  o.flush_log = c.boolean("trace.flush_log");
  o.disabled = split_names(c.text("trace.disable"));
  for (const std::string& name : o.disabled) {
    const bool known = std::any_of(tables.begin(), tables.end(), [&](const TableDesc* t) { return t->name == name; });
    if (!known) {
      std::string all;
      for (const TableDesc* t : tables) all += (all.empty() ? "" : ", ") + std::string(t->name);
      throw ConfigError(c.origin() + ": key 'trace.disable': no table '" + name + "' in this run (tables: " + all +
                        ")");
    }
  }
  return o;
}

/// This rank's rows of the nodes table, from what the scenario fixes ahead.
void record_nodes(TraceSink& sink, const Scenario& scenario, const Deployment& deployment,
                  const boost::mpi::communicator& comm) {
  const auto partition = make_partition(scenario.partition, scenario.peers, comm.size(), scenario.seed);
  std::vector<NodeRecord> rows;
  std::vector<std::uint32_t> slot(scenario.peers, 0xffffffffU);
  for (std::uint32_t p = 0; p < scenario.peers; ++p) {
    if (partition->rank_of(PeerId{p}) != comm.rank()) continue;
    slot[p] = static_cast<std::uint32_t>(rows.size());
    const Time join = deployment.start_time ? deployment.start_time(PeerId{p}) : Time::zero();
    rows.push_back({p, static_cast<std::uint32_t>(comm.rank()), join.ns, -1, 0, 0});
  }
  for (const FaultEvent& f : scenario.faults.events) {  // sorted by time
    if (f.peer.value >= scenario.peers || slot[f.peer.value] == 0xffffffffU) continue;
    NodeRecord& r = rows[slot[f.peer.value]];
    if (f.action == FaultAction::kRestart) {
      ++r.restarts;
      continue;
    }
    ++r.crashes;
    if (r.crash_ns < 0 && f.at.ns >= r.join_ns) r.crash_ns = f.at.ns;
  }
  for (const NodeRecord& r : rows) sink.record(r);
}

class Hdf5TraceOutput final : public TraceOutput {
 public:
  Hdf5TraceOutput(const std::string& path, const std::vector<const TableDesc*>& tables, TraceOptions options,
                  const boost::mpi::communicator& comm)
      : comm_(comm), sink_(path, tables, std::move(options), comm) {}

  TraceSink& sink() override { return sink_; }
  Hdf5TraceSink& hdf5() { return sink_; }

  void close(const RunResult& /*result*/) override {
    // run_scenario has recorded each rank's EngineStats row already.
    sink_.set_attribute("end_time", wall_time_utc(comm_));
    sink_.close();
  }

 private:
  boost::mpi::communicator comm_;
  Hdf5TraceSink sink_;
};

}  // namespace

std::unique_ptr<TraceOutput> open_trace_output(const std::string& path, const Scenario& scenario,
                                               const boost::mpi::communicator& comm) {
  if (path.empty()) return std::make_unique<NoTrace>();
  const Deployment& deployment = scenario.deploy();
  std::vector<const TableDesc*> tables = deployment.tables;
  tables.push_back(&NodeRecord::kTable);
  tables.push_back(&FaultRecord::kTable);
  tables.push_back(&EngineStats::kTable);
  TraceOptions options = trace_options(scenario, tables);  // bad input fails before the file exists

  const std::string start = wall_time_utc(comm);
  std::string slurm_job;
  if (comm.rank() == 0) {
    if (const char* id = std::getenv("SLURM_JOB_ID")) slurm_job = id;
  }
  boost::mpi::broadcast(comm, slurm_job, 0);
  const std::string hosts = host_names(comm);

  auto out = std::make_unique<Hdf5TraceOutput>(path, tables, std::move(options), comm);
  Hdf5TraceSink& sink = out->hdf5();
  sink.set_attribute("p2pgrid_version", std::string_view(kVersion));
  sink.set_attribute("git_commit", std::string_view(kGitCommit));
  sink.set_attribute("config", scenario.config.to_toml());
  sink.set_attribute("config_origin", scenario.config.origin());
  sink.set_attribute("protocol", scenario.protocol);
  sink.set_attribute("seed", static_cast<std::int64_t>(scenario.seed));
  sink.set_attribute("peers", static_cast<std::int64_t>(scenario.peers));
  sink.set_attribute("ranks", static_cast<std::int64_t>(comm.size()));
  sink.set_attribute("start_time", start);
  sink.set_attribute("hosts", hosts);
  if (!slurm_job.empty()) sink.set_attribute("slurm_job_id", slurm_job);
  record_nodes(sink, scenario, deployment, comm);
  sink.flush();
  return out;
}

}  // namespace p2pgrid
