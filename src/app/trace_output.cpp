#include "p2pgrid/app/trace_output.hpp"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/all_to_all.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/version.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>
#include <unordered_map>
#include <stdexcept>

#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/sha256.hpp"
#include "p2pgrid/app/version.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/sim/partition.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"
#include "p2pgrid/sim/traffic_record.hpp"
#include "p2pgrid/trace/node_record.hpp"

namespace p2pgrid {
namespace {

class NoTrace final : public TraceOutput {
 public:
  TraceSink& sink() override { return sink_; }
  void close(const RunResult& /*result*/, std::span<const AcceptedRun> /*accepted_runs*/) override {}
  void close_stopped() override {}
  void record_position(CheckpointHeader& /*header*/) override {}
  std::vector<std::byte> earlier_rows(const TableDesc& /*table*/) override { return {}; }

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

/// Every table a run of this scenario writes.
std::vector<const TableDesc*> run_tables(const Scenario& scenario) {
  std::vector<const TableDesc*> tables = scenario.deploy().tables;
  tables.push_back(&NodeRecord::kTable);
  tables.push_back(&FaultRecord::kTable);
  tables.push_back(&EngineStats::kTable);
  tables.push_back(&TrafficRecord::kTable);
  return tables;
}

TraceOptions trace_options(const Scenario& scenario, const std::vector<const TableDesc*>& tables) {
  const Config& c = scenario.config;
  TraceOptions o;
  o.buffer_bytes = static_cast<std::size_t>(c.integer("trace.buffer"));
  o.flush_interval = std::chrono::milliseconds(std::max<std::int64_t>(1, c.duration("trace.flush_interval").ns / 1'000'000));
  o.gzip_level = static_cast<unsigned>(c.integer("trace.compression"));
  o.flush_log = c.boolean("trace.flush_log");
  o.disabled = split_names(c.text("trace.disable"));
  if (!c.boolean("trace.traffic")) o.disabled.emplace_back(TrafficRecord::kTable.name);
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

/// This rank's rows of the nodes table as far as the scenario fixes them
/// ahead: placement, start, scheduled faults, capabilities. Written when the
/// file opens, so a killed run still has them; the load is filled in at the end.
std::vector<NodeRecord> node_rows(const Scenario& scenario, const boost::mpi::communicator& comm) {
  const Deployment& deployment = scenario.deploy();
  const auto partition = make_partition(scenario.partition, scenario.peers, comm.size(), scenario.seed);
  std::vector<NodeRecord> rows;
  std::vector<std::uint32_t> slot(scenario.peers, 0xffffffffU);
  for (std::uint32_t p = 0; p < scenario.peers; ++p) {
    if (partition->rank_of(PeerId{p}) != comm.rank()) continue;
    slot[p] = static_cast<std::uint32_t>(rows.size());
    const Time join = deployment.start_time ? deployment.start_time(PeerId{p}) : Time::zero();
    NodeRecord r{p, static_cast<std::uint32_t>(comm.rank()), join.ns, -1, 0, 0, 0, 0, 0, 0, 0};
    if (deployment.capabilities) {
      const auto caps = deployment.capabilities(PeerId{p});
      r.cpu = caps[0];
      r.memory = caps[1];
      r.disk = caps[2];
    }
    rows.push_back(r);
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
  return rows;
}

/// Collective: adds the accepted runs (known on the clients' ranks) to the
/// rows of their run nodes (on the nodes' ranks).
void add_load(std::vector<NodeRecord>& rows, const Scenario& scenario, std::span<const AcceptedRun> accepted_runs,
              const boost::mpi::communicator& comm) {
  const Deployment& deployment = scenario.deploy();
  const auto partition = make_partition(scenario.partition, scenario.peers, comm.size(), scenario.seed);
  std::vector<std::vector<AcceptedRun>> outgoing(static_cast<std::size_t>(comm.size()));
  for (const AcceptedRun& run : accepted_runs) {
    if (run.first >= scenario.peers) continue;
    outgoing[static_cast<std::size_t>(partition->rank_of(PeerId{run.first}))].push_back(run);
  }
  std::vector<std::vector<AcceptedRun>> incoming;
  boost::mpi::all_to_all(comm, outgoing, incoming);
  std::unordered_map<std::uint32_t, std::size_t> index;
  for (std::size_t i = 0; i < rows.size(); ++i) index.emplace(rows[i].peer, i);
  for (const auto& from_rank : incoming) {
    for (const auto& [node, nominal] : from_rank) {
      NodeRecord& r = rows[index.at(node)];
      ++r.jobs_run;
      r.busy_ns += deployment.run_time_on ? deployment.run_time_on(PeerId{node}, Duration{nominal}).ns : nominal;
    }
  }
}

/// Tables whose rows describe the process that writes them, not the
/// simulation: a continued file starts them again (docs/checkpoint.md).
bool restarts_on_resume(const std::string& table) {
  return table == NodeRecord::kTable.name || table == EngineStats::kTable.name;
}

/// 128 random bits as hex from rank 0, the same on every rank: tells this
/// file from another run's of the same configuration.
std::string new_trace_id(const boost::mpi::communicator& comm) {
  std::string id;
  if (comm.rank() == 0) {
    std::random_device device;
    char text[9];
    for (int i = 0; i < 4; ++i) {
      std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(device()));
      id += text;
    }
  }
  boost::mpi::broadcast(comm, id, 0);
  return id;
}

class Hdf5TraceOutput final : public TraceOutput {
 public:
  Hdf5TraceOutput(const std::string& path, const Scenario& scenario, const std::vector<const TableDesc*>& tables,
                  TraceOptions options, const boost::mpi::communicator& comm)
      : comm_(comm), scenario_(scenario), tables_(tables), sink_(path, tables, std::move(options), comm) {}
  Hdf5TraceOutput(const std::string& path, const Scenario& scenario, const std::vector<const TableDesc*>& tables,
                  TraceOptions options, const boost::mpi::communicator& comm, const TraceContinuation& from)
      : comm_(comm), scenario_(scenario), tables_(tables), continued_(from.keep_rows),
        sink_(path, tables, std::move(options), comm, from) {}

  void close_stopped() override { sink_.close_stopped(); }

  void record_position(CheckpointHeader& header) override {
    sink_.flush();
    header.trace_id = sink_.text_attribute("trace_id");
    header.trace_rows.clear();
    for (const TableDesc* t : tables_) {
      const std::string name(t->name);
      const bool listed = std::any_of(header.trace_rows.begin(), header.trace_rows.end(),
                                      [&](const auto& entry) { return entry.first == name; });
      if (!listed) header.trace_rows.emplace_back(name, sink_.rows_in_file(*t));
    }
  }

  std::vector<std::byte> earlier_rows(const TableDesc& table) override {
    std::uint64_t kept = 0;
    for (const auto& [name, rows] : continued_) {
      if (name == table.name) kept = rows;
    }
    const bool known = std::any_of(tables_.begin(), tables_.end(), [&](const TableDesc* t) { return t->name == table.name; });
    if (!known) return {};
    const auto ranks = static_cast<std::uint64_t>(comm_.size());
    const auto rank = static_cast<std::uint64_t>(comm_.rank());
    const std::uint64_t first = kept * rank / ranks;
    return sink_.read_rows(table, first, kept * (rank + 1) / ranks - first);
  }

  TraceSink& sink() override { return sink_; }
  Hdf5TraceSink& hdf5() { return sink_; }

  /// Collective: this rank's rows of the nodes table, flushed with the first flush.
  void record_nodes() {
    for (const NodeRecord& r : node_rows(scenario_, comm_)) sink_.record(r);
  }

  void close(const RunResult& /*result*/, std::span<const AcceptedRun> accepted_runs) override {
    // run_scenario has recorded each rank's EngineStats row already. The
    // rows are made again rather than kept through the run: 56 bytes/peer.
    std::vector<NodeRecord> nodes = node_rows(scenario_, comm_);
    add_load(nodes, scenario_, accepted_runs, comm_);
    sink_.rewrite_last_block(NodeRecord::kTable, std::as_bytes(std::span<const NodeRecord>(nodes)));
    sink_.set_attribute("end_time", wall_time_utc(comm_));
    sink_.close();
  }

 private:
  boost::mpi::communicator comm_;
  const Scenario& scenario_;
  std::vector<const TableDesc*> tables_;
  std::vector<std::pair<std::string, std::uint64_t>> continued_;  ///< rows kept of a continued file
  Hdf5TraceSink sink_;
};

}  // namespace

void count_earlier_jobs(TraceOutput& trace, JobSummarySink& jobs) {
  const std::vector<std::byte> earlier = trace.earlier_rows(JobRecord::kTable);
  for (std::size_t at = 0; at + sizeof(JobRecord) <= earlier.size(); at += sizeof(JobRecord)) {
    JobRecord job;
    std::memcpy(&job, earlier.data() + at, sizeof job);
    jobs.count(job);
  }
}

void check_trace_options(const Scenario& scenario) { static_cast<void>(trace_options(scenario, run_tables(scenario))); }

ResolvedInputs resolve_inputs(const Scenario& scenario) {
  namespace fs = std::filesystem;
  const Config& c = scenario.config;
  ResolvedInputs out;
  Config stored = c;
  std::error_code ec;
  const fs::path origin = fs::absolute(c.origin(), ec);
  out.origin = origin.lexically_normal().string();
  const auto hash = [&](const std::string& path, const std::string& key) {
    try {
      out.input_files += sha256_file(path) + "  " + path + "\n";
    } catch (const std::exception& e) {
      throw ConfigError(c.origin() + (key.empty() ? "" : ": key '" + key + "'") + ": " + e.what());
    }
  };
  if (fs::is_regular_file(origin)) hash(out.origin, "");
  // Input files are declared with the unit "file" and are relative to the
  // scenario file's directory (as the bindings read them).
  for (const FieldSpec& f : scenario_schema().fields()) {
    if (f.unit != "file" || c.text(f.key).empty()) continue;
    const std::string absolute = (origin.parent_path() / c.text(f.key)).lexically_normal().string();
    std::string quoted = "\"";
    for (const char ch : absolute) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    stored.set(f.key + "=" + quoted + "\"", c.origin());
    hash(absolute, f.key);
  }
  out.config_toml = stored.to_toml();
  return out;
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(text, &length);
  std::string version(text, static_cast<std::size_t>(std::max(0, length)));
  version = version.substr(0, version.find_first_of("\n,"));
  return version;
}

namespace {

/// Collective: continues the trace a resumed run's checkpoint was taken with.
std::unique_ptr<TraceOutput> continue_trace_output(const std::string& path, const Scenario& scenario,
                                                   const boost::mpi::communicator& comm,
                                                   const RunProvenance& provenance, const CheckpointHeader& resumed) {
  if (resumed.trace_id.empty()) {
    throw TraceError("trace file '" + path + "': field 'trace_id': the checkpoint was taken by a run without a trace "
                     "(no -o), so it cannot continue an existing file; the file is left unchanged (name a new file)");
  }
  const std::vector<const TableDesc*> tables = run_tables(scenario);
  TraceOptions options = trace_options(scenario, tables);
  TraceContinuation from;
  from.expect = {{"config_hash", config_hash(scenario)}, {"trace_id", resumed.trace_id}};
  for (const auto& [name, rows] : resumed.trace_rows) from.keep_rows.emplace_back(name, restarts_on_resume(name) ? 0 : rows);
  auto out = std::make_unique<Hdf5TraceOutput>(path, scenario, tables, std::move(options), comm, from);
  Hdf5TraceSink& sink = out->hdf5();
  const std::int64_t segments = sink.int_attribute("segments", 1) + 1;
  std::string resumes = sink.text_attribute("resumes");
  std::string command_line = provenance.command_line;  // rank 0's argv
  boost::mpi::broadcast(comm, command_line, 0);
  char line[96];
  std::snprintf(line, sizeof line, " ranks=%d at=%.9gs", comm.size(), resumed.next_window.to_seconds());
  resumes += wall_time_utc(comm) + line + " command_line=" + command_line + "\n";
  // An attribute must fit the root group's header: after very many resumes
  // only the latest lines stay (`segments` still counts them all).
  constexpr std::size_t kMaxResumes = std::size_t{16} * 1024;
  while (resumes.size() > kMaxResumes && resumes.find('\n') != std::string::npos) {
    resumes.erase(0, resumes.find('\n') + 1);
  }
  // The engine table is the last segment's processes; these say which.
  sink.set_attribute("ranks", static_cast<std::int64_t>(comm.size()));
  sink.set_attribute("hosts", host_names(comm));
  sink.set_attribute("segments", segments);
  sink.set_attribute("resumes", resumes);
  out->record_nodes();
  sink.flush();
  return out;
}

}  // namespace

std::unique_ptr<TraceOutput> open_trace_output(const std::string& path, const Scenario& scenario,
                                               const boost::mpi::communicator& comm, const RunProvenance& provenance,
                                               const CheckpointHeader* resumed) {
  if (path.empty()) return std::make_unique<NoTrace>();
  bool exists = false;
  if (comm.rank() == 0) exists = resumed != nullptr && std::filesystem::exists(path);
  boost::mpi::broadcast(comm, exists, 0);
  if (exists) return continue_trace_output(path, scenario, comm, provenance, *resumed);
  const std::vector<const TableDesc*> tables = run_tables(scenario);
  TraceOptions options = trace_options(scenario, tables);  // bad input fails before the file exists
  // Rank 0 reads and hashes the inputs; every rank writes the same attributes.
  ResolvedInputs inputs;
  std::string error;
  if (comm.rank() == 0) {
    try {
      inputs = resolve_inputs(scenario);
    } catch (const ConfigError& e) {
      error = e.what();
    }
  }
  boost::mpi::broadcast(comm, error, 0);
  if (!error.empty()) throw ConfigError(error);
  boost::mpi::broadcast(comm, inputs.config_toml, 0);
  boost::mpi::broadcast(comm, inputs.origin, 0);
  boost::mpi::broadcast(comm, inputs.input_files, 0);

  const std::string start = wall_time_utc(comm);
  std::vector<std::string> slurm(3);
  std::string command_line = provenance.command_line;
  if (comm.rank() == 0) {
    const char* names[] = {"SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID"};
    for (std::size_t i = 0; i < slurm.size(); ++i) {
      if (const char* v = std::getenv(names[i])) slurm[i] = v;
    }
  }
  boost::mpi::broadcast(comm, slurm, 0);
  boost::mpi::broadcast(comm, command_line, 0);
  const std::string hosts = host_names(comm);
#if defined(__clang__)
  const std::string compiler = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = std::string("gcc ") + __VERSION__;
#else
  const std::string compiler = "unknown";
#endif

  auto out = std::make_unique<Hdf5TraceOutput>(path, scenario, tables, std::move(options), comm);
  Hdf5TraceSink& sink = out->hdf5();
  sink.set_attribute("p2pgrid_version", std::string_view(kVersion));
  sink.set_attribute("git_commit", std::string_view(kGitCommit));
  sink.set_attribute("git_describe", std::string_view(kGitDescribe));
  sink.set_attribute("command_line", command_line);
  sink.set_attribute("config", inputs.config_toml);
  sink.set_attribute("config_origin", inputs.origin);
  sink.set_attribute("input_files", inputs.input_files);
  sink.set_attribute("protocol", scenario.protocol);
  sink.set_attribute("config_hash", config_hash(scenario));
  sink.set_attribute("trace_id", new_trace_id(comm));
  sink.set_attribute("segments", std::int64_t{1});
  sink.set_attribute("seed", static_cast<std::int64_t>(scenario.seed));
  sink.set_attribute("peers", static_cast<std::int64_t>(scenario.peers));
  sink.set_attribute("ranks", static_cast<std::int64_t>(comm.size()));
  sink.set_attribute("start_time", start);
  sink.set_attribute("hosts", hosts);
  sink.set_attribute("mpi_version", mpi_library_version());
  sink.set_attribute("hdf5_version", hdf5_library_version());
  sink.set_attribute("boost_version", std::string(BOOST_LIB_VERSION));
  sink.set_attribute("compiler", compiler);
  if (!slurm[0].empty()) sink.set_attribute("slurm_job_id", slurm[0]);
  if (!slurm[1].empty()) sink.set_attribute("slurm_array_job_id", slurm[1]);
  if (!slurm[2].empty()) sink.set_attribute("slurm_array_task_id", slurm[2]);
  out->record_nodes();
  sink.flush();
  return out;
}

}  // namespace p2pgrid
