#include "p2pgrid/app/scenario.hpp"

#include <algorithm>
#include <filesystem>
#include <cstdio>
#include <numeric>
#include <unistd.h>

#include "p2pgrid/grid/params.hpp"

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/sim/churn.hpp"
#include "p2pgrid/workload/availability_trace.hpp"
#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid {
namespace {

Schema build_schema() {
  Schema s;
  s.field({"run.seed", ValueKind::kInt, std::int64_t{1}, "", "seed of every random stream", 0, {}, {}});
  s.field({"run.duration", ValueKind::kDuration, Duration::seconds(60), "", "simulated time to run", 1e-9, {}, {}});
  std::vector<std::string> names;
  for (const auto& b : protocol_bindings()) names.emplace_back(b.name);
  s.field({"run.protocol", ValueKind::kString, std::string("phold"), "", "protocol stack to run", {}, {}, names});
  s.field({"run.inapplicable_keys", ValueKind::kString, std::string("error"), "",
           "a key set for a protocol, matchmaker or workload this scenario does not use is an error; allow: accepted "
           "without effect (a file that serves several matchmakers through --set match.kind=...)", {}, {},
           {"error", "allow"}});
  s.field({"run.partition", ValueKind::kString, std::string("block"), "", "placement of peers on ranks", {}, {},
           {"block", "round_robin", "ring"}});
  s.field({"peers.count", ValueKind::kInt, std::int64_t{1000}, "", "number of peers", 1, 4e9, {}});

  s.field({"network.min_latency", ValueKind::kDuration, Duration::milliseconds(10), "",
           "latency of the closest pair; also the engine's lookahead", 1e-6, {}, {}});
  s.field({"network.max_latency", ValueKind::kDuration, Duration::milliseconds(100), "",
           "latency of the farthest pair", 1e-6, {}, {}});
  s.field({"network.bandwidth", ValueKind::kFloat, 1.25e6, "bytes/s", "per-message transfer rate (0: infinite)", 0,
           {}, {}});
  s.field({"network.loss", ValueKind::kFloat, 0.0, "", "probability that a message is lost", 0, 0.999999, {}});
  s.list({"network.partitions", "peers with coordinate x < split cannot reach the others in [start, end)",
          {{"start", ValueKind::kDuration, Duration{0}, "", "partition begins", 0, {}, {}},
           {"end", ValueKind::kDuration, Duration{0}, "", "partition heals", 0, {}, {}},
           {"split", ValueKind::kFloat, 0.5, "", "x coordinate separating the sides", 0, 1, {}}}});

  s.list({"faults", "crash, restart or leave a set of peers at a time",
          {{"at", ValueKind::kDuration, Duration{0}, "", "when", 0, {}, {}},
           {"action", ValueKind::kString, std::string("crash"), "", "what happens", {}, {}, {"crash", "restart", "leave"}},
           {"peers", ValueKind::kIntList, std::vector<std::int64_t>{}, "", "explicit peer ids", 0, 4e9, {}},
           {"fraction", ValueKind::kFloat, 0.0, "", "plus this fraction of all peers, drawn from the seed", 0, 1, {}},
           {"restart_after", ValueKind::kDuration, Duration{0}, "", "crashed or left peers restart after this (0: never)",
            0, {}, {}}}});

  // [churn]: sessions and down times per peer (src/sim/churn.cpp, docs/chord.md).
  s.field({"churn.model", ValueKind::kString, std::string("none"), "", "session/down-time distribution", {}, {},
           {"none", "exponential", "weibull", "pareto"}});
  s.field({"churn.fraction", ValueKind::kFloat, 1.0, "", "share of peers that churn", 0, 1, {}});
  s.field({"churn.start", ValueKind::kDuration, Duration{0}, "", "first sessions are counted from here", 0, {}, {}});
  s.field({"churn.session_mean", ValueKind::kDuration, Duration::seconds(3600), "", "mean up time", 1e-9, {}, {}});
  s.field({"churn.session_shape", ValueKind::kFloat, 1.0, "", "Weibull k or Pareto a of up times", 0, {}, {}});
  s.field({"churn.down_mean", ValueKind::kDuration, Duration::seconds(600), "", "mean down time", 1e-9, {}, {}});
  s.field({"churn.down_shape", ValueKind::kFloat, 1.0, "", "Weibull k or Pareto a of down times", 0, {}, {}});
  s.field({"churn.leave_probability", ValueKind::kFloat, 0.0, "", "a session ends in a graceful leave, not a crash",
           0, 1, {}});

  // [availability]: an FTA event_trace table drives crashes and restarts (docs/workloads.md).
  s.field({"availability.file", ValueKind::kString, std::string(), "file", "FTA event_trace table (relative to the "
           "config file's directory; empty: none)", {}, {}, {}});
  s.field({"availability.warmup", ValueKind::kDuration, Duration{0}, "", "the trace starts here; no failure before",
           0, {}, {}});
  s.field({"availability.origin", ValueKind::kFloat, -1.0, "s", "trace time that starts at the warm-up's end "
           "(negative: the earliest event_start_time)", {}, {}, {}});
  s.field({"availability.time_scale", ValueKind::kFloat, 1.0, "", "trace durations are multiplied by this", 1e-9, {},
           {}});
  s.field({"availability.node_offset", ValueKind::kInt, std::int64_t{0}, "", "the first peer that follows a trace "
           "node", 0, 4e9, {}});
  s.field({"availability.mapping", ValueKind::kString, std::string("first"), "", "peer p follows trace node "
           "p - node_offset (first), or that modulo the number of nodes (modulo)", {}, {}, {"first", "modulo"}});
  s.field({"availability.exempt", ValueKind::kIntList, std::vector<std::int64_t>{}, "", "peers the trace never takes "
           "down (besides the protocol's own exempt peers)", 0, 4e9, {}});

  s.field({"progress.interval", ValueKind::kDuration, Duration::seconds(10), "",
           "wall-clock time between progress lines in batch logs", 1e-3, {}, {}});
  s.field({"progress.mode", ValueKind::kString, std::string("auto"), "",
           "terminal: one redrawn line; plain: a line per interval; auto: terminal on a tty outside batch jobs", {}, {},
           {"auto", "terminal", "plain"}});
  s.field({"run.log", ValueKind::kBool, false, "", "print protocol log lines to stderr", {}, {}, {}});
  s.field({"run.checkpoint_every", ValueKind::kDuration, Duration{0}, "",
           "wall-clock time between periodic checkpoints of `p2pgrid run --checkpoint FILE` (0s: none; "
           "docs/checkpoint.md)",
           0, {}, {}});
  s.field({"trace.flush_interval", ValueKind::kDuration, Duration::seconds(10), "",
           "wall-clock time between trace flushes (a killed run keeps the rows of its last flush)", 1e-3, {}, {}});
  s.field({"trace.buffer", ValueKind::kInt, std::int64_t{16} << 20, "bytes", "trace rows a rank buffers before a flush",
           4096, 1e12, {}});
  s.field({"trace.flush_log", ValueKind::kBool, false, "",
           "after every completed trace flush, print each table's rows in the file to stderr (a killed run keeps at "
           "least those)", {}, {}, {}});
  s.field({"trace.compression", ValueKind::kInt, std::int64_t{0}, "",
           "gzip level of trace datasets (after shuffle); 0: none, the only level at which a killed run keeps every "
           "flushed row (a growing compressed chunk is rewritten, and a kill during that loses it)", 0,
           9, {}});
  s.field({"trace.traffic", ValueKind::kBool, false, "",
           "count each peer's messages and bytes sent and received per protocol (the traffic table; costs 192 bytes "
           "per peer)", {}, {}, {}});
  s.field({"trace.disable", ValueKind::kString, std::string(), "",
           "comma-separated trace tables not to record (e.g. \"phold, faults\")", {}, {}, {}});
  for (const auto& b : protocol_bindings()) b.declare(s);
  return s;
}

FaultPlan build_faults(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  FaultPlan plan;
  const auto& entries = c.entries("faults");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const ListEntry& e = entries[i];
    const Time at{std::get<Duration>(e.at("at")).ns};
    const std::string& action_text = std::get<std::string>(e.at("action"));
    const FaultAction action = action_text == "crash"     ? FaultAction::kCrash
                               : action_text == "restart" ? FaultAction::kRestart
                                                          : FaultAction::kLeave;
    std::vector<std::uint32_t> chosen;
    for (const std::int64_t p : std::get<std::vector<std::int64_t>>(e.at("peers"))) {
      if (p >= peers) {
        throw ConfigError(c.origin() + ": [[faults]] entry " + std::to_string(i + 1) + ": peer " + std::to_string(p) +
                          " does not exist (peers.count = " + std::to_string(peers) + ")");
      }
      chosen.push_back(static_cast<std::uint32_t>(p));
    }
    const double fraction = std::get<double>(e.at("fraction"));
    if (fraction > 0) {
      // A partial Fisher-Yates shuffle from a stream of this entry's own:
      // exactly round(fraction * peers) distinct peers, the same on every rank.
      const auto k = static_cast<std::uint32_t>(std::llround(fraction * peers));
      std::vector<std::uint32_t> ids(peers);
      std::iota(ids.begin(), ids.end(), 0U);
      Rng rng(seed, PeerId{static_cast<std::uint32_t>(i)}, Purpose::kFaults);
      for (std::uint32_t j = 0; j < k; ++j) std::swap(ids[j], ids[j + rng.below(peers - j)]);
      chosen.insert(chosen.end(), ids.begin(), ids.begin() + k);
    }
    const Duration restart_after = std::get<Duration>(e.at("restart_after"));
    for (const std::uint32_t p : chosen) {
      plan.events.push_back({at, PeerId{p}, action});
      if (restart_after.ns > 0 && action != FaultAction::kRestart) {
        plan.events.push_back({at + restart_after, PeerId{p}, FaultAction::kRestart});
      }
    }
  }
  plan.normalize();
  return plan;
}

void add_availability(const Config& c, Scenario& s) {
  const std::string& file = c.text("availability.file");
  if (file.empty()) return;
  workload::AvailabilityOptions o;
  o.peers = s.peers;
  o.end = s.end;
  o.warmup = c.duration("availability.warmup");
  o.origin_s = c.number("availability.origin");
  o.time_scale = c.number("availability.time_scale");
  o.node_offset = static_cast<std::uint32_t>(c.integer("availability.node_offset"));
  std::vector<std::int64_t> exempt = c.integers("availability.exempt");
  for (const std::int64_t p : exempt) {
    if (p >= s.peers) {
      throw ConfigError(c.origin() + ": key 'availability.exempt': peer " + std::to_string(p) +
                        " does not exist (peers.count = " + std::to_string(s.peers) + ")");
    }
  }
  std::sort(exempt.begin(), exempt.end());
  o.exempt = [exempt](PeerId p) { return std::binary_search(exempt.begin(), exempt.end(), std::int64_t{p.value}); };
  try {
    o.mapping = workload::parse_node_mapping(c.text("availability.mapping"));
    // A relative path is relative to the config file's directory.
    const std::filesystem::path path = std::filesystem::path(c.origin()).parent_path() / file;
    workload::append_availability(s.faults, workload::read_availability_file(path.string()), o);
  } catch (const workload::TraceFileError& e) {
    throw ConfigError(c.origin() + ": key 'availability.file': " + e.what());
  } catch (const std::invalid_argument& e) {
    throw ConfigError(c.origin() + ": [availability]: " + e.what());
  }
}

void add_churn(const Config& c, Scenario& s) {
  ChurnParams churn;
  try {
    churn.model = parse_churn_model(c.text("churn.model"));
    churn.fraction = c.number("churn.fraction");
    churn.start = Time{c.duration("churn.start").ns};
    churn.session_mean = c.duration("churn.session_mean");
    churn.session_shape = c.number("churn.session_shape");
    churn.down_mean = c.duration("churn.down_mean");
    churn.down_shape = c.number("churn.down_shape");
    churn.leave_probability = c.number("churn.leave_probability");
    append_churn(s.faults, churn, s.peers, s.seed, s.end);
  } catch (const std::invalid_argument& e) {
    throw ConfigError(c.origin() + ": [churn]: " + e.what());
  }
  s.faults.normalize();
}

}  // namespace

const Schema& scenario_schema() {
  static const Schema schema = build_schema();
  return schema;
}

Scenario Scenario::load(const std::string& path, const std::vector<std::string>& overrides) {
  return from_config(Config::load(scenario_schema(), path, overrides));
}

namespace {

/// A key set in the file or by --set whose owner this scenario does not use
/// would silently do nothing: the user believes it took effect. One that
/// holds its default is let through, so that a resolved config (validate's
/// output, the trace's copy) runs as it is.
void reject_keys_that_do_not_apply(const Config& c, const std::string& protocol) {
  const auto binding = std::find_if(protocol_bindings().begin(), protocol_bindings().end(),
                                    [&](const ProtocolBinding& b) { return b.name == protocol; });
  if (binding == protocol_bindings().end() || c.text("run.inapplicable_keys") == "allow") return;
  const KeyUse use = binding->uses(c);
  for (const auto& [key, where] : c.explicit_keys()) {
    const std::string& owner = c.schema().owner(key);
    if (owner.empty() || std::find(use.owners.begin(), use.owners.end(), owner) != use.owners.end()) continue;
    if (c.value(key) == c.schema().find(key)->default_value) continue;
    throw ConfigError(where + ": key '" + key + "' does not apply: it configures " + owner +
                      ", which this scenario (" + use.chosen_by + ") does not use");
  }
}

}  // namespace

std::uint64_t machine_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::optional<std::string> memory_problem(const Scenario& s, int ranks, int ranks_on_host, std::uint64_t machine_bytes) {
  // Lower bounds, so that only a run that certainly cannot fit is refused:
  // a peer costs the engine 24 bytes plus at least one pending 32-byte event
  // key (1.3-2 KB measured, docs/performance.md); an event in flight a key
  // and a 128-byte body; a planned job its JobSpec.
  constexpr double kPeerBytes = 56;
  constexpr double kEventBytes = 160;
  struct Demand {
    std::string key;
    std::string what;
    double count;
    double bytes;  ///< on this host
  };
  const Config& c = s.config;
  const double host_share = ranks > 0 ? static_cast<double>(ranks_on_host) / ranks : 0.0;
  std::vector<Demand> demands;
  // A fault entry with a fraction shuffles every peer's id on every rank.
  const auto& faults = c.entries("faults");
  const bool shuffles = std::any_of(faults.begin(), faults.end(),
                                    [](const ListEntry& e) { return std::get<double>(e.at("fraction")) > 0; });
  const double replicated = shuffles ? 4.0 * std::max(1, ranks_on_host) : 0.0;
  demands.push_back({"peers.count", "peers", static_cast<double>(s.peers), s.peers * (kPeerBytes * host_share + replicated)});
  if (s.protocol == "phold" && c.schema().find("phold.initial") != nullptr) {
    // The first initial event of each peer is in kPeerBytes.
    const double events = static_cast<double>(s.peers) * static_cast<double>(c.integer("phold.initial") - 1);
    demands.push_back({"phold.initial", "initial events", events, events * kEventBytes * host_share});
  }
  if (s.protocol == "grid" && c.schema().find("workload.jobs") != nullptr && c.text("workload.source") == "synthetic") {
    const auto jobs = static_cast<double>(c.integer("workload.jobs"));
    demands.push_back({"workload.jobs", "jobs", jobs,
                       jobs * static_cast<double>(sizeof(grid::JobSpec)) * std::max(1, ranks_on_host)});
  }
  if (c.text("churn.model") != "none") {
    // Every rank builds the whole fault plan: a crash and a restart per
    // mean session plus down time of each churning peer.
    const double span = std::max(0.0, (s.end - Time{c.duration("churn.start").ns}).to_seconds());
    const double cycle = c.duration("churn.session_mean").to_seconds() + c.duration("churn.down_mean").to_seconds();
    const double events = 2.0 * static_cast<double>(s.peers) * c.number("churn.fraction") * span / cycle;
    demands.push_back({"churn.session_mean", "churn events", events,
                       events * static_cast<double>(sizeof(FaultEvent)) * std::max(1, ranks_on_host)});
  }
  double total = 0;
  for (const Demand& d : demands) total += d.bytes;
  if (machine_bytes == 0 || total <= static_cast<double>(machine_bytes)) return std::nullopt;
  const Demand& top = *std::max_element(demands.begin(), demands.end(),
                                        [](const Demand& a, const Demand& b) { return a.bytes < b.bytes; });
  char text[512];
  std::snprintf(text, sizeof text,
                "%s: key '%s': %.0f %s cannot fit in memory: this run needs at least %.1f GiB on this host "
                "(%d of %d rank(s)), which has %.1f GiB",
                c.origin().c_str(), top.key.c_str(), top.count, top.what.c_str(), total / (1024.0 * 1024 * 1024),
                std::max(1, ranks_on_host), std::max(1, ranks), static_cast<double>(machine_bytes) / (1024.0 * 1024 * 1024));
  return std::string(text);
}

Scenario Scenario::from_config(Config config) {
  Scenario s(std::move(config));
  const Config& c = s.config;
  reject_keys_that_do_not_apply(c, c.text("run.protocol"));
  s.peers = static_cast<std::uint32_t>(c.integer("peers.count"));
  s.seed = static_cast<std::uint64_t>(c.integer("run.seed"));
  s.end = Time{c.duration("run.duration").ns};
  s.protocol = c.text("run.protocol");
  s.partition = c.text("run.partition");
  s.network.min_latency = c.duration("network.min_latency");
  s.network.max_latency = c.duration("network.max_latency");
  s.network.bandwidth_bytes_per_s = c.number("network.bandwidth");
  s.network.loss = c.number("network.loss");
  if (s.network.max_latency < s.network.min_latency) {
    throw ConfigError(c.origin() + ": key 'network.max_latency': " + format_duration(s.network.max_latency) +
                      " is below network.min_latency (" + format_duration(s.network.min_latency) + ")");
  }
  for (const ListEntry& e : c.entries("network.partitions")) {
    NetworkPartition part{Time{std::get<Duration>(e.at("start")).ns}, Time{std::get<Duration>(e.at("end")).ns},
                          std::get<double>(e.at("split"))};
    if (part.end <= part.start) {
      throw ConfigError(c.origin() + ": [[network.partitions]]: end must be after start");
    }
    s.network.partitions.push_back(part);
  }
  // What every rank must hold, checked before the fault plan and the job
  // plan are built; the per-rank share waits for the rank count (preflight).
  if (auto problem = memory_problem(s, 0, 1, machine_memory_bytes())) throw ConfigError(*problem);
  s.faults = build_faults(c, s.peers, s.seed);
  add_availability(c, s);
  add_churn(c, s);
  s.progress_interval = c.duration("progress.interval");
  s.checkpoint_every = c.duration("run.checkpoint_every");
  return s;
}

const Deployment& Scenario::deploy() const {
  if (deployment_) return *deployment_;
  for (const auto& b : protocol_bindings()) {
    if (b.name == protocol) {
      deployment_ = std::make_shared<const Deployment>(b.deploy(config, peers, seed));
      return *deployment_;
    }
  }
  throw ConfigError(config.origin() + ": key 'run.protocol': unknown protocol '" + protocol + "'");
}

}  // namespace p2pgrid
