#include "p2pgrid/app/runner.hpp"

#include <algorithm>
#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/mpi/operations.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>

#include "p2pgrid/app/memory_report.hpp"
#include "p2pgrid/app/progress.hpp"
#include "p2pgrid/app/sha256.hpp"
#include "p2pgrid/app/stop_signal.hpp"
#include "p2pgrid/sim/checkpoint.hpp"
#include "p2pgrid/sim/checkpoint_file.hpp"
#include "p2pgrid/sim/mpi_exchanger.hpp"
#include "p2pgrid/sim/partition.hpp"

namespace p2pgrid {

std::string config_hash(const Scenario& scenario) { return sha256_hex(scenario.config.to_toml()); }

CheckpointHeader shared_checkpoint_header(const std::string& path, const Scenario& scenario,
                                          const boost::mpi::communicator& comm) {
  CheckpointHeader header;
  std::string problem;
  if (comm.rank() == 0) {
    try {
      header = read_checkpoint_header(path, config_hash(scenario), scenario.peers);
    } catch (const CheckpointError& e) {
      problem = e.what();
    }
  }
  boost::mpi::broadcast(comm, problem, 0);
  if (!problem.empty()) throw CheckpointError(problem);
  std::int64_t at = header.next_window.ns;
  boost::mpi::broadcast(comm, header.config_hash, 0);
  boost::mpi::broadcast(comm, header.peers, 0);
  boost::mpi::broadcast(comm, at, 0);
  boost::mpi::broadcast(comm, header.trace_id, 0);
  boost::mpi::broadcast(comm, header.trace_rows, 0);
  header.next_window = Time{at};
  return header;
}

RunResult run_scenario(const Scenario& scenario, const boost::mpi::communicator& comm, TraceSink& trace,
                       const ProgressTarget& progress, const BeforeRun& before_run,
                       const CheckpointOptions& checkpoint) {
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
  params.stop_at = checkpoint.stop_at;
  // Periodic checkpoints (run.checkpoint_every, wall-clock) and stop
  // requests end the run at a window boundary; the loop below writes the
  // checkpoint and, for a periodic one, carries on.
  const bool periodic = scenario.checkpoint_every.ns > 0 && !checkpoint.write_path.empty();
  auto last_checkpoint = std::chrono::steady_clock::now();
  bool period_due = false;
  bool checkpoints_off = false;  // the stack cannot be checkpointed
  params.stop_requested = [&] {
    if (checkpoints_off) return false;
    if (periodic) {
      period_due =
          std::chrono::steady_clock::now() - last_checkpoint >= std::chrono::nanoseconds(scenario.checkpoint_every.ns);
    }
    return period_due || (checkpoint.stop_requested && checkpoint.stop_requested());
  };
  FaultPlan faults = scenario.faults;
  if (deployment.exempt) std::erase_if(faults.events, [&](const FaultEvent& f) { return deployment.exempt(f.peer); });
  Engine engine(params, network, faults, *partition, exchanger, trace, deployment.factory);
  if (deployment.prepare) deployment.prepare(engine);
  if (before_run) before_run(engine);
  if (!checkpoint.write_path.empty() || !checkpoint.resume_path.empty()) {
    // A stack that cannot be checkpointed says so now, not after the run.
    // Every rank hosts a peer (peers >= ranks) and the same stack.
    std::vector<std::byte> scratch(kFirstPeerStateBuffer);
    Writer probe(scratch);
    try {
      engine.protocol().save_peer(0, probe, FieldContext{});
    } catch (const BufferFull&) {
      // A state that can be written, only longer than the probe's buffer.
    } catch (const CheckpointError& e) {
      const bool asked = checkpoint.stop_at != Time::never() || !checkpoint.resume_path.empty() || periodic;
      if (asked) throw CheckpointError(scenario.protocol + ": " + e.what());
      // Only signals would checkpoint: run as if --checkpoint were not given.
      if (comm.rank() == 0) {
        std::cerr << ("p2pgrid: warning: " + scenario.protocol + ": " + e.what() +
                      "; SIGTERM and SIGUSR1 end the run without a checkpoint\n")
                  << std::flush;
      }
      restore_default_stop_signals();
      checkpoints_off = true;
    }
  }
  if (!checkpoint.resume_path.empty()) {
    // Every rank reads the whole file and keeps its own peers' records, so
    // the rank count may differ from the run that wrote it.
    const auto t0 = std::chrono::steady_clock::now();
    const LoadedCheckpoint loaded = read_checkpoint(checkpoint.resume_path, config_hash(scenario), scenario.peers);
    const auto t1 = std::chrono::steady_clock::now();
    std::string problem;
    try {
      engine.restore(loaded.sections);
    } catch (const DecodeError& e) {
      problem = e.what();
    } catch (const CheckpointError& e) {
      problem = e.what();
    }
    // Ranks check different peers: all stop if any found a problem.
    const int failed = boost::mpi::all_reduce(comm, problem.empty() ? 0 : 1, boost::mpi::maximum<int>());
    if (failed != 0) {
      throw CheckpointError(checkpoint.resume_path + ": " +
                            (problem.empty() ? std::string("another rank found a record it cannot use") : problem));
    }
    comm.barrier();
    if (progress.out != nullptr && comm.rank() == 0) {
      const auto t2 = std::chrono::steady_clock::now();
      char line[256];
      std::snprintf(line, sizeof line,
                    "checkpoint: resumed from %s at %.9g s: %zu bytes read in %.3f s, restored in %.3f s\n",
                    checkpoint.resume_path.c_str(), loaded.header.next_window.to_seconds(), loaded.bytes.size(),
                    std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
      *progress.out << line << std::flush;
    }
  }

  std::optional<ProgressReporter> reporter;
  if (progress.out != nullptr && comm.rank() == 0) {
    const bool live = progress_is_live(scenario.config.text("progress.mode"), progress.terminal, false);
    reporter.emplace(*progress.out, live, scenario.progress_interval, scenario.end);
  }
  RunResult result;
  MemorySampler memory(scenario.end);
  for (;;) {
    result.local = engine.run([&](Time next, std::uint64_t events, const EngineStats& /*local*/) {
      if (reporter) reporter->update(next, events);
      memory.observe(engine, next);
    });
    if (!engine.stopped()) break;
    if (checkpoint.write_path.empty())
      throw CheckpointError("the run stopped for a checkpoint but has no file to write");
    CheckpointHeader header;
    header.config_hash = config_hash(scenario);
    header.peers = scenario.peers;
    header.next_window = engine.stopped_at();
    // The trace's rows up to this window reach the file first, so the
    // resumed run can continue the file from exactly here.
    if (checkpoint.record_trace) checkpoint.record_trace(header);
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<std::byte> section = engine.save();
    const auto t1 = std::chrono::steady_clock::now();
    write_checkpoint(checkpoint.write_path, header, section, comm);
    const std::uint64_t bytes = boost::mpi::all_reduce(comm, static_cast<std::uint64_t>(section.size()), std::plus<>());
    if (progress.out != nullptr && comm.rank() == 0) {
      const auto t2 = std::chrono::steady_clock::now();
      char line[256];
      std::snprintf(line, sizeof line,
                    "checkpoint: %s at %.9g s: %llu bytes of records (%.1f per peer), saved in %.3f s, written in "
                    "%.3f s\n",
                    checkpoint.write_path.c_str(), header.next_window.to_seconds(),
                    static_cast<unsigned long long>(bytes), static_cast<double>(bytes) / scenario.peers,
                    std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count());
      *progress.out << line << std::flush;
    }
    // A periodic checkpoint carries on; a signal on any rank, or stop_at,
    // ends the run. Agreed, so all ranks carry on or all return.
    const bool signalled =
        boost::mpi::all_reduce(comm, static_cast<int>(checkpoint.stop_requested && checkpoint.stop_requested()),
                               boost::mpi::maximum<int>()) == 1;
    if (!signalled && engine.stopped_at() < checkpoint.stop_at) {
      last_checkpoint = std::chrono::steady_clock::now();
      period_due = false;
      continue;
    }
    result.checkpointed = true;
    break;
  }
  memory.finish(engine);
  result.memory = sum_over_ranks(memory.largest(), comm);
  result.counted_by_rank = counted_by_rank(memory.largest(), comm);
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
  if (reporter && !result.checkpointed) {  // a stopped run is not at 100%
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
