#include "p2pgrid/live/node_config.hpp"

#include "p2pgrid/config/section.hpp"
#include "p2pgrid/live/envelope.hpp"

namespace p2pgrid::live {
namespace {

constexpr const char* kNode = "a live node (p2pgrid node)";

const Section<NodeSettings>& node_section() {
  using S = NodeSettings;
  using G = grid::Params;
  using C = chord::Params;
  using R = match::RnTreeParams;
  static const auto section =
      Section<S>(kNode)
          .key("node.address", "IPv4 address this node listens on; it is also the node's peer id", {}, &S::address)
          .key("node.port", "UDP port, the same for every node of the grid", opt().min(1), &S::port)
          .key("node.seeds", "comma-separated addresses of seed nodes; the first one listed creates the ring", {},
               &S::seeds)
          .key("node.secret_file", "the grid's shared secret (at least 16 bytes); every message is MACed with it",
               {}, &S::secret_file)
          .key("node.state_dir", "job directories and outputs of this node (created if missing)", {}, &S::state_dir)
          .key("node.max_message", "largest datagram accepted or sent", opt().min(1024).max(65000).unit("B"),
               &S::max_message)
          .key("node.rate_limit", "messages per second accepted from one source address", opt().min(1),
               &S::rate_limit)
          .key("node.rate_burst", "messages a source may send at once above the rate", opt().min(1), &S::rate_burst)
          .key("node.clock_skew", "a message sent longer ago (or further ahead) than this is dropped as stale",
               opt().min(1), &S::clock_skew)
          .key("node.verbose", "log every job event on stderr", {}, &S::verbose)
          .key("node.cpu", "advertised CPU speed (0: the machine's; capped by it)", opt().unit("MHz"), &S::cpu_mhz)
          .key("node.memory", "advertised memory (0: the machine's; capped by it)", opt().unit("MiB"),
               &S::memory_mib)
          .key("node.disk", "advertised disk (0: the state directory's file system; capped by it)", opt().unit("GiB"),
               &S::disk_gib)
          .key("sandbox.wall_time", "a job is killed after this long (or its own --time, if shorter)", opt().min(1e-3),
               &S::wall_time)
          .key("sandbox.cpu_time", "CPU time per process of a job (RLIMIT_CPU)", opt().min(1), &S::cpu_time)
          .key("sandbox.memory", "memory of a job that gives no --memory; a job's resident set above its memory kills it",
               opt().min(1).unit("MiB"), &S::job_memory_mib)
          .key("sandbox.file_size", "largest file a job may write (RLIMIT_FSIZE)", opt().min(1).unit("MiB"),
               &S::file_size_mib)
          .key("sandbox.processes", "processes of the sandbox uid (RLIMIT_NPROC); a job reaching it is killed",
               opt().min(4), &S::processes)
          .key("sandbox.uid", "uid (and gid) jobs run as when the node runs as root; one per node on a shared machine",
               opt().min(1), &S::uid)
          .key("sandbox.output_by_value", "stdout and stderr bytes sent back by value; the rest stays on the run node",
               opt().max(16384).unit("B"), &S::output_by_value)
          .key("sandbox.keep_outputs",
               "a run node keeps a finished job's directory and outcome, and a client its delivered result, this long",
               opt().min(1), &S::keep_outputs)
          .key("grid.heartbeat", "run node -> owner heartbeat period", opt().min(1e-3), &S::grid, &G::heartbeat)
          .key("grid.missed_heartbeats", "silent periods before the other side is presumed dead", opt().min(1).max(1000),
               &S::grid, &G::missed_heartbeats)
          .key("grid.client_timeout", "a client resubmits a job it has heard nothing about for this long",
               opt().min(1e-3), &S::grid, &G::client_timeout)
          .key("grid.max_attempts", "submissions per job before the client gives up", opt().min(1).max(1000), &S::grid,
               &G::max_attempts)
          .key("grid.match_retry", "an owner retries a failed match after this", opt().min(1e-3), &S::grid,
               &G::match_retry)
          .key("grid.match_deadline", "an owner fails a job it could not place for this long", opt().min(1e-3),
               &S::grid, &G::match_deadline)
          .key("grid.round_timeout", "an owner gives up waiting for one matchmaking round after this", opt().min(1e-3),
               &S::grid, &G::round_timeout)
          .key("grid.forget_after", "an owner remembers a finished job this long", opt().min(1e-3), &S::grid,
               &G::forget_after)
          .key("grid.record_delay", "a result is handed to the user this long after it arrived (duplicates counted)",
               opt().min(0), &S::grid, &G::record_delay)
          .key("chord.stabilize", "period of stabilize", opt().min(1e-3), &S::chord, &C::stabilize)
          .key("chord.fix_fingers", "period of fixing one finger", opt().min(1e-3), &S::chord, &C::fix_fingers)
          .key("chord.check_predecessor", "period of check_predecessor", opt().min(1e-3), &S::chord,
               &C::check_predecessor)
          .key("chord.rpc_timeout", "a request unanswered this long has failed", opt().min(1e-3), &S::chord,
               &C::rpc_timeout)
          .key("chord.successors", "length of the successor list", opt().min(1).max(32), &S::chord, &C::successors)
          .key("chord.join_retry", "wait after a failed join", opt().min(1e-3), &S::chord, &C::join_retry)
          .key("rntree.aggregation_period", "each peer sends its parent a subtree summary this often", opt().min(1e-3),
               &S::rntree, &R::aggregation_period)
          .key("rntree.k", "a search stops after this many capable candidates", opt().min(1).max(64), &S::rntree,
               &R::k)
          .key("rntree.visit_timeout", "a node asked by a search and silent this long is skipped", opt().min(1e-3),
               &S::rntree, &R::visit_timeout)
          .key("rntree.search_timeout", "the owner gives up on a search after this", opt().min(1e-3), &S::rntree,
               &R::search_timeout);
  return section;
}

}  // namespace

grid::Params live_grid_defaults() {
  grid::Params p;
  p.heartbeat = Duration::seconds(5);
  p.client_timeout = Duration::seconds(60);
  p.match_retry = Duration::seconds(2);
  p.match_deadline = Duration::seconds(600);
  p.round_timeout = Duration::seconds(30);
  p.forget_after = Duration::seconds(600);
  p.record_delay = Duration{0};
  return p;
}

chord::Params live_chord_defaults() {
  chord::Params p;
  p.stabilize = Duration::seconds(5);
  p.fix_fingers = Duration::seconds(5);
  p.check_predecessor = Duration::seconds(5);
  p.rpc_timeout = Duration::seconds(1);
  p.join_retry = Duration::seconds(2);
  return p;
}

match::RnTreeParams live_rntree_defaults() {
  match::RnTreeParams p;
  p.aggregation_period = Duration::seconds(5);
  p.visit_timeout = Duration::seconds(1);
  p.search_timeout = Duration::seconds(30);
  return p;
}

const Schema& node_schema() {
  static const Schema schema = [] {
    Schema s;
    node_section().declare(s);
    return s;
  }();
  return schema;
}

NodeSettings load_node_settings(const std::string& path, const std::vector<std::string>& overrides) {
  const Config config = Config::load(node_schema(), path, overrides);
  NodeSettings s = node_section().read(config);
  const auto bad = [&](const std::string& key, const std::string& why) {
    throw ConfigError(path + ": " + key + ": " + why);
  };
  if (!parse_ipv4(s.address)) bad("node.address", "'" + s.address + "' is not an IPv4 address");
  if (s.secret_file.empty()) bad("node.secret_file", "required: the grid's shared secret");
  if (s.state_dir.empty()) bad("node.state_dir", "required: where job directories go");
  if (s.seeds.empty()) bad("node.seeds", "required: at least one seed address (this node's own, for the first node)");
  std::size_t start = 0;
  while (start <= s.seeds.size()) {
    const std::size_t end = std::min(s.seeds.find(',', start), s.seeds.size());
    const std::string one = s.seeds.substr(start, end - start);
    if (!parse_ipv4(one)) bad("node.seeds", "'" + one + "' is not an IPv4 address");
    start = end + 1;
  }
  return s;
}

}  // namespace p2pgrid::live
