// Config glue for the desktop grid: the [grid] protocol parameters, the
// [workload] that clients submit, the [nodes] capability population and the
// [match] matchmaker, stacked over an overlay.

#include <filesystem>
#include <memory>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/peer/stacks.hpp"
#include "p2pgrid/match/rntree_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"
#include "p2pgrid/workload/swf_reader.hpp"
#include "p2pgrid/workload/synthetic_jobs.hpp"
#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid {
namespace {

void declare_grid(Schema& s) {
  s.field({"grid.heartbeat", ValueKind::kDuration, Duration::seconds(30), "",
           "run node -> owner heartbeat period, per queued or running job", 1e-3, {}, {}});
  s.field({"grid.missed_heartbeats", ValueKind::kInt, std::int64_t{3}, "",
           "silent heartbeat periods before the other side is presumed dead", 1, 1000, {}});
  s.field({"grid.client_timeout", ValueKind::kDuration, Duration::seconds(150), "",
           "a client resubmits a job it has heard nothing about for this long", 1e-3, {}, {}});
  s.field({"grid.max_attempts", ValueKind::kInt, std::int64_t{4}, "", "submissions per job before the client gives up",
           1, 1000, {}});
  s.field({"grid.match_retry", ValueKind::kDuration, Duration::seconds(10), "",
           "an owner retries a failed match after this", 1e-3, {}, {}});
  s.field({"grid.forget_after", ValueKind::kDuration, Duration::seconds(1800), "",
           "an owner remembers a finished or withdrawn job this long, refusing whatever would start another copy",
           1e-3, {}, {}});
  s.field({"grid.record_delay", ValueKind::kDuration, Duration::seconds(1800), "",
           "a completed job's row is written this long after its result (duplicates are counted meanwhile)", 0, {},
           {}});
  s.field({"grid.scale_by_cpu", ValueKind::kBool, false, "",
           "run time = nominal * reference_cpu / node cpu (off: nominal run time everywhere)", {}, {}, {}});
  s.field({"grid.reference_cpu", ValueKind::kInt, std::int64_t{2000}, "MHz", "CPU speed of the nominal run time", 1,
           1e6, {}});

  s.field({"workload.source", ValueKind::kString, std::string("synthetic"), "", "jobs: the paper's synthetic "
           "workload, or an SWF job log (docs/workloads.md)", {}, {}, {"synthetic", "swf"}});
  s.field({"workload.swf_file", ValueKind::kString, std::string(), "file", "swf: the log (relative to the config file's "
           "directory); clients, start and input_bytes apply, the synthetic keys do not", {}, {}, {}});
  s.field({"workload.swf_time_scale", ValueKind::kFloat, 1.0, "", "swf: submit offsets and run times are multiplied "
           "by this (0.5: twice as fast, same load)", 1e-9, {}, {}});
  s.field({"workload.swf_max_jobs", ValueKind::kInt, std::int64_t{0}, "", "swf: keep the earliest jobs only (0: all)",
           0, 1e12, {}});
  s.field({"workload.name", ValueKind::kString, std::string(), "",
           "a label for the scenario (figure2 groups traces by it)", {}, {}, {}});
  s.field({"workload.jobs", ValueKind::kInt, std::int64_t{10000}, "", "jobs submitted in all", 0, 1e9, {}});
  s.field({"workload.clients", ValueKind::kInt, std::int64_t{10}, "", "submitting peers (spread over the ids; exempt "
           "from faults)", 1, 1e9, {}});
  s.field({"workload.interarrival", ValueKind::kDuration, Duration::milliseconds(100), "",
           "mean time between jobs of all clients together (Poisson)", 1e-9, {}, {}});
  s.field({"workload.run_time", ValueKind::kDuration, Duration::seconds(200), "", "mean nominal run time", 1e-9, {},
           {}});
  s.field({"workload.run_time_spread", ValueKind::kFloat, 0.5, "",
           "run times are uniform in run_time * [1 - spread, 1 + spread]", 0, 1, {}});
  s.field({"workload.constrained", ValueKind::kFloat, 0.4, "",
           "probability that each resource is constrained (paper: 0.4 light, 0.8 heavy)", 0, 1, {}});
  s.field({"workload.jobs_mix", ValueKind::kString, std::string("mixed"), "", "jobs: independent values, or a few "
           "classes", {}, {}, {"mixed", "clustered"}});
  s.field({"workload.job_classes", ValueKind::kInt, std::int64_t{4}, "", "clustered jobs: number of classes", 1, 1e6,
           {}});
  s.field({"workload.start", ValueKind::kDuration, Duration::seconds(60), "", "warm-up before the first job", 0, {},
           {}});
  s.field({"workload.input_bytes", ValueKind::kInt, std::int64_t{100} * 1024, "bytes", "input size of each job", 0,
           1e12, {}});

  s.field({"nodes.mix", ValueKind::kString, std::string("mixed"), "", "node capabilities: independent values, or a "
           "few classes of identical machines", {}, {}, {"mixed", "clustered"}});
  s.field({"nodes.classes", ValueKind::kInt, std::int64_t{4}, "", "clustered nodes: number of machine classes", 1, 1e6,
           {}});

  s.field({"match.kind", ValueKind::kString, std::string("central"), "", "matchmaker", {}, {}, {"central", "rntree", "can", "can-push"}});
  s.field({"match.deadline", ValueKind::kDuration, Duration::seconds(1800), "",
           "an owner fails a job it found no run node for this long after it began (re)matching it (reason "
           "unmatchable if the matchmaker's last round said no node can run it, else match_deadline)", 1e-3, {}, {}});
  s.field({"match.round_timeout", ValueKind::kDuration, Duration::seconds(300), "",
           "an owner counts a matchmaking round unanswered this long as having found nothing", 1e-3, {}, {}});
  s.field({"match.server", ValueKind::kInt, std::int64_t{0}, "", "central: the server peer", 0, 4e9, {}});
  s.field({"match.status_period", ValueKind::kDuration, Duration::seconds(10), "",
           "central: how often every node reports its status to the server", 1e-3, {}, {}});
  s.field({"match.request_timeout", ValueKind::kDuration, Duration::seconds(2), "",
           "central: an owner's request unanswered this long counts as unmatched", 1e-6, {}, {}});
  // RN-Tree (docs/rntree.md).
  s.field({"match.k", ValueKind::kInt, std::int64_t{4}, "",
           "rntree: extended search stops after k capable candidates (1: basic search)", 1, 1024, {}});
  s.field({"match.aggregation_period", ValueKind::kDuration, Duration{0}, "",
           "rntree: each peer sends its parent a subtree summary this often (0: chord.stabilize)", 0, {}, {}});
  s.field({"match.expiry_periods", ValueKind::kInt, std::int64_t{3}, "",
           "rntree: a child silent for this many periods is forgotten; a parent silent as long is avoided", 1, 1000,
           {}});
  s.field({"match.suspect_periods", ValueKind::kInt, std::int64_t{10}, "",
           "rntree: periods an unresponsive parent is avoided", 1, 1e6, {}});
  s.field({"match.walk_length", ValueKind::kInt, std::int64_t{0}, "",
           "rntree: random-walk hops from the owner to the search origin (0: the owner searches)", 0, 64, {}});
  s.field({"match.visit_timeout", ValueKind::kDuration, Duration::seconds(1), "",
           "rntree: a node asked by a search and silent this long is skipped", 1e-6, {}, {}});
  s.field({"match.max_visits", ValueKind::kInt, std::int64_t{256}, "",
           "rntree: nodes one search may ask before it settles for what it found", 1, 1e7, {}});
  s.field({"match.search_timeout", ValueKind::kDuration, Duration::seconds(60), "",
           "rntree: after a walk, the owner stops waiting for the search's answer", 1e-3, {}, {}});
  // CAN matchmakers (docs/can-match.md).
  s.field({"match.max_forwards", ValueKind::kInt, std::int64_t{8}, "",
           "can: forwards towards more capable zones of a job with no capable candidate", 0, 255, {}});
  s.field({"match.answer_timeout", ValueKind::kDuration, Duration::seconds(10), "",
           "can: an owner that handed a job on counts it unmatched after this without an answer", 1e-6, {}, {}});
  s.field({"match.escalate", ValueKind::kBool, true, "",
           "can: round r of a job forwards up to max_forwards * (r + 1) times, from round 1 on to random more "
           "capable neighbours (docs/can-match.md)", {}, {}, {}});
  s.field({"match.max_pushes", ValueKind::kInt, std::int64_t{12}, "", "can-push: pushes per matching round", 0, 255,
           {}});
  s.field({"match.push_threshold", ValueKind::kFloat, 1.0, "",
           "can-push: push while the line above averages below this times the best local load", 0, 1e6, {}});
  s.field({"match.push_period", ValueKind::kDuration, Duration{0}, "",
           "can-push: line aggregates go to lower neighbours this often (0: can.update_period)", 0, {}, {}});
  s.field({"match.push_expiry", ValueKind::kInt, std::int64_t{3}, "",
           "can-push: an aggregate not refreshed for this many periods is dropped", 1, 1000, {}});
}

can::CapabilityModel capability_model(const Config& c) {
  can::CapabilityModel m;
  m.population = c.text("nodes.mix") == "clustered" ? can::Population::kClustered : can::Population::kMixed;
  m.classes = static_cast<std::uint32_t>(c.integer("nodes.classes"));
  return m;
}

workload::JobModel job_model(const Config& c) {
  workload::JobModel m;
  m.jobs = static_cast<std::uint32_t>(c.integer("workload.jobs"));
  m.clients = static_cast<std::uint32_t>(c.integer("workload.clients"));
  m.mean_interarrival = c.duration("workload.interarrival");
  m.mean_run_time = c.duration("workload.run_time");
  m.run_time_spread = c.number("workload.run_time_spread");
  m.constrained_probability = c.number("workload.constrained");
  m.mix = workload::parse_job_mix(c.text("workload.jobs_mix"));
  m.classes = static_cast<std::uint32_t>(c.integer("workload.job_classes"));
  m.start = Time{c.duration("workload.start").ns};
  m.input_bytes = static_cast<std::uint64_t>(c.integer("workload.input_bytes"));
  return m;
}

/// The jobs: the paper's synthetic workload, or an SWF log (docs/workloads.md).
grid::JobPlan job_plan(const Config& c, const workload::JobModel& jobs, std::uint32_t peers, std::uint64_t seed,
                       const std::function<grid::Resources(PeerId)>& capabilities_of) {
  if (c.text("workload.source") == "synthetic") return workload::make_job_plan(jobs, peers, seed, capabilities_of);
  const std::string& file = c.text("workload.swf_file");
  if (file.empty()) throw ConfigError(c.origin() + ": key 'workload.swf_file': required when workload.source = swf");
  workload::SwfPlanOptions o;
  o.peers = peers;
  o.clients = jobs.clients;
  o.start = jobs.start;
  o.time_scale = c.number("workload.swf_time_scale");
  o.max_jobs = static_cast<std::uint64_t>(c.integer("workload.swf_max_jobs"));
  o.input_bytes = jobs.input_bytes;
  try {
    // A relative path is relative to the config file's directory.
    const std::filesystem::path path = std::filesystem::path(c.origin()).parent_path() / file;
    return workload::make_swf_plan(workload::read_swf_file(path.string()), o);
  } catch (const workload::TraceFileError& e) {
    throw ConfigError(c.origin() + ": key 'workload.swf_file': " + e.what());
  }
}

/// Each peer's own capabilities, from the [nodes] model (the same machines as the CAN points).
std::function<grid::Resources(PeerId)> capabilities_function(const Config& c, std::uint64_t seed) {
  const can::CapabilityModel model = capability_model(c);
  return [model, seed](PeerId p) { return can::capabilities_of(model, seed, p).value; };
}

grid::Params grid_params(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  grid::Params g;
  g.salt = seed;
  g.heartbeat = c.duration("grid.heartbeat");
  g.missed_heartbeats = static_cast<std::uint32_t>(c.integer("grid.missed_heartbeats"));
  g.client_timeout = c.duration("grid.client_timeout");
  g.max_attempts = static_cast<std::uint32_t>(c.integer("grid.max_attempts"));
  g.match_retry = c.duration("grid.match_retry");
  g.record_delay = c.duration("grid.record_delay");
  g.forget_after = c.duration("grid.forget_after");
  g.match_deadline = c.duration("match.deadline");
  g.round_timeout = c.duration("match.round_timeout");
  g.scale_by_cpu = c.boolean("grid.scale_by_cpu");
  g.reference_cpu_mhz = static_cast<std::uint32_t>(c.integer("grid.reference_cpu"));
  g.capabilities_of = capabilities_function(c, seed);
  const workload::JobModel jobs = job_model(c);
  if (jobs.clients > peers) {
    throw ConfigError(c.origin() + ": key 'workload.clients': " + std::to_string(jobs.clients) +
                      " clients but only " + std::to_string(peers) + " peers");
  }
  g.plan = std::make_shared<const grid::JobPlan>(job_plan(c, jobs, peers, seed, g.capabilities_of));
  return g;
}

/// Chord's oracle bootstrap, or join times, for a stack over Chord.
template <class Stack>
void bootstrap_overlay(const Config& c, const chord::Params& cp, Deployment& d) {
  if (c.text("chord.bootstrap") == "oracle") {
    d.prepare = [cp](Engine& engine) {
      // ORACLE: every peer's correct Chord state at time 0, each rank for its own.
      auto& stack = dynamic_cast<Stack&>(engine.protocol());
      const chord::OracleRing ring(cp.peers, cp.salt);
      for (auto& peer : stack.nodes()) peer.overlay_for_oracle().oracle_bootstrap(ring);
    };
  } else {
    d.start_time = [cp](PeerId q) { return cp.start_of(q); };
  }
  d.tables.insert(d.tables.end(), {&chord::LookupRecord::kTable, &chord::SnapshotRecord::kTable});
}

/// CAN's oracle bootstrap, or join times, for a stack over CAN.
template <class Stack>
void bootstrap_overlay(const Config& c, const can::Params& cp, Deployment& d) {
  if (cp.bootstrap == can::Bootstrap::kOracle) {
    d.prepare = [](Engine& engine) {
      // ORACLE: every peer's zones and neighbour table at time 0, each rank for its own.
      auto& stack = dynamic_cast<Stack&>(engine.protocol());
      can::oracle_bootstrap(stack.params().overlay, engine.shard(),
                            [&](std::size_t slot, std::vector<can::Zone> zones, can::NeighbourTable table) {
                              stack.nodes()[slot].overlay_for_oracle().oracle_install(std::move(zones),
                                                                                      std::move(table));
                            });
    };
  } else {
    const Duration gap = c.duration("can.join_interval");
    d.start_time = [gap](PeerId q) { return Time{gap.ns * static_cast<std::int64_t>(q.value)}; };
  }
  d.tables.push_back(&can::ZoneRecord::kTable);
}

/// The overlay's parameters for a grid stack.
chord::Params overlay_params(const Config& c, std::uint32_t peers, std::uint64_t seed, const chord::Params* /*tag*/) {
  return chord_params_from(c, peers, seed);
}

/// Over CAN the points come from the [nodes] model, so the grid's
/// capabilities and the CAN points are the same machines.
can::Params overlay_params(const Config& c, std::uint32_t peers, std::uint64_t seed, const can::Params* /*tag*/) {
  can::Params p = can_params_from(c, peers, seed);
  if (p.resources != static_cast<int>(can::kResources)) {
    throw ConfigError(c.origin() + ": key 'can.resources': the CAN matchmakers need all " +
                      std::to_string(can::kResources) + " resource dimensions (a job constrains any of them)");
  }
  p.capabilities = capability_model(c);
  p.probe_interval = Duration{0};
  return p;
}

/// The one deployment path of every grid stack: GridPeer<Owners, Match>.
template <class Owners, class Match>
Deployment deploy_stack(const Config& c, std::uint32_t peers, std::uint64_t seed, typename Match::Params match) {
  using Peer = peer::GridPeer<Owners, Match>;
  using Stack = NodeProtocol<Peer, typename Peer::Params>;
  using OverlayParams = typename Owners::Node::Params;
  typename Peer::Params p{overlay_params(c, peers, seed, static_cast<const OverlayParams*>(nullptr)),
                          grid_params(c, peers, seed), std::move(match)};
  Deployment d;
  d.factory = [p](const ShardPeers& shard) { return std::make_unique<Stack>(shard, p); };
  d.tables = {&JobRecord::kTable, &grid::SubmissionRecord::kTable, &grid::HeldRecord::kTable};
  bootstrap_overlay<Stack>(c, p.overlay, d);
  const workload::JobModel jobs = job_model(c);
  d.exempt = [jobs, peers](PeerId q) { return workload::is_client(jobs, peers, q); };
  return d;
}

Deployment deploy_grid(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const std::string& kind = c.text("match.kind");
  if (kind == "central") {
    match::CentralParams m;
    const auto server = c.integer("match.server");
    if (server >= peers) {
      throw ConfigError(c.origin() + ": key 'match.server': peer " + std::to_string(server) + " does not exist");
    }
    m.server = PeerId{static_cast<std::uint32_t>(server)};
    m.status_period = c.duration("match.status_period");
    m.request_timeout = c.duration("match.request_timeout");
    return deploy_stack<peer::ChordJobOwners, match::Central>(c, peers, seed, m);
  }
  if (kind == "rntree") {
    match::RnTreeParams m;
    m.k = static_cast<std::uint32_t>(c.integer("match.k"));
    m.aggregation_period = c.duration("match.aggregation_period");
    if (m.aggregation_period.ns == 0) m.aggregation_period = c.duration("chord.stabilize");
    m.expiry_periods = static_cast<std::uint32_t>(c.integer("match.expiry_periods"));
    m.suspect_periods = static_cast<std::uint32_t>(c.integer("match.suspect_periods"));
    m.walk_length = static_cast<std::uint32_t>(c.integer("match.walk_length"));
    m.visit_timeout = c.duration("match.visit_timeout");
    m.max_visits = static_cast<std::uint32_t>(c.integer("match.max_visits"));
    m.search_timeout = c.duration("match.search_timeout");
    Deployment d = deploy_stack<peer::ChordJobOwners, match::RnTree>(c, peers, seed, m);
    d.tables.push_back(&match::RnTreeParentRecord::kTable);
    return d;
  }
  if (kind == "can" || kind == "can-push") {
    match::CanMatchParams m;
    m.max_forwards = static_cast<std::uint32_t>(c.integer("match.max_forwards"));
    m.answer_timeout = c.duration("match.answer_timeout");
    m.push = kind == "can-push";
    m.max_pushes = static_cast<std::uint32_t>(c.integer("match.max_pushes"));
    m.push_threshold = c.number("match.push_threshold");
    m.push_period = c.duration("match.push_period");
    if (m.push_period.ns == 0) m.push_period = c.duration("can.update_period");
    m.expiry_periods = static_cast<std::uint32_t>(c.integer("match.push_expiry"));
    m.escalate = c.boolean("match.escalate");
    return deploy_stack<peer::CanJobOwners, match::CanMatch>(c, peers, seed, m);
  }
  throw ConfigError(c.origin() + ": key 'match.kind': unknown matchmaker '" + kind + "'");
}

/// Every grid stack, plus what the nodes table reports of each peer: its
/// capabilities and how long a job runs on it (the run node's own rule).
Deployment deploy_grid_with_nodes(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  Deployment d = deploy_grid(c, peers, seed);
  grid::Params g;
  g.scale_by_cpu = c.boolean("grid.scale_by_cpu");
  g.reference_cpu_mhz = static_cast<std::uint32_t>(c.integer("grid.reference_cpu"));
  g.capabilities_of = capabilities_function(c, seed);
  d.capabilities = g.capabilities_of;
  d.run_time_on = [g](PeerId q, Duration nominal) { return grid::run_time_on(g, g.capabilities_of(q)[0], nominal); };
  return d;
}

}  // namespace

ProtocolBinding grid_binding() {
  return {"grid", "the desktop grid: job roles and a matchmaker over an overlay", declare_grid,
          deploy_grid_with_nodes};
}

}  // namespace p2pgrid
