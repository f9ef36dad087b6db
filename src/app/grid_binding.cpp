// Config glue for the desktop grid: the [grid] protocol parameters, the
// [workload] that clients submit, the [nodes] capability population and the
// [match] matchmaker, stacked over an overlay.

#include <algorithm>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/config/section.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/match/rntree_record.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/records.hpp"
#include "p2pgrid/peer/stacks.hpp"
#include "p2pgrid/workload/swf_reader.hpp"
#include "p2pgrid/workload/synthetic_jobs.hpp"
#include "p2pgrid/workload/trace_line.hpp"
#include "p2pgrid/workload/wfcommons_reader.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kGrid = "the desktop grid";
constexpr const char* kSynthetic = "the synthetic workload (workload.source = \"synthetic\")";
constexpr const char* kPoisson =
    "the paper's job stream (workload.source = \"synthetic\", workload.users = \"per_client\")";
constexpr const char* kSweeps = "the sweep user mix (workload.source = \"synthetic\", workload.users = \"sweeps\")";
constexpr const char* kSwf = "the SWF workload (workload.source = \"swf\")";
constexpr const char* kWf = "the WfCommons workflow (workload.source = \"wfcommons\")";
constexpr const char* kCentral = "the central matchmaker";
constexpr const char* kRnTree = "the rntree matchmaker";
constexpr const char* kCanMatch = "the CAN matchmakers (can, can-push)";
constexpr const char* kCanPush = "the can-push matchmaker";

/// [grid], [workload], [nodes] and [match]: every key the grid stack reads.
struct GridSettings {
  grid::Params params;
  std::string source = "synthetic";
  std::string swf_file;
  workload::SwfPlanOptions swf;
  std::string wf_file;
  workload::WfPlanOptions wf;
  std::string name;  ///< read by postprocess from the stored config
  workload::JobModel jobs;
  can::CapabilityModel nodes;
  std::string kind = "central";
  std::string run_until = "horizon";
  Duration final_check = Duration::seconds(60);
  match::CentralParams central;
  match::RnTreeParams rntree;
  Duration aggregation_period{0};  ///< 0: chord.stabilize
  match::CanMatchParams can_match;
  Duration push_period{0};  ///< 0: can.update_period
  double heavy_weight = 1.0;  ///< sweeps: weight of users 0 .. heavy_users - 1
  double light_weight = 1.0;  ///< sweeps: weight of the others
};

const Section<GridSettings>& grid_section() {
  using S = GridSettings;
  using G = grid::Params;
  using J = workload::JobModel;
  using R = match::RnTreeParams;
  using C = match::CanMatchParams;
  static const auto section =
      Section<S>(kGrid)
          .key("grid.heartbeat", "run node -> owner heartbeat period, per queued or running job", opt().min(1e-3),
               &S::params, &G::heartbeat)
          .key("grid.missed_heartbeats", "silent heartbeat periods before the other side is presumed dead",
               opt().min(1).max(1000), &S::params, &G::missed_heartbeats)
          .key("grid.client_timeout", "a client resubmits a job it has heard nothing about for this long",
               opt().min(1e-3), &S::params, &G::client_timeout)
          .key("grid.max_attempts", "submissions per job before the client gives up", opt().min(1).max(1000),
               &S::params, &G::max_attempts)
          .key("grid.match_retry", "an owner retries a failed match after this", opt().min(1e-3), &S::params,
               &G::match_retry)
          .key("grid.record_delay",
               "a completed job's row is written this long after its result (duplicates are counted meanwhile)",
               opt().min(0), &S::params, &G::record_delay)
          .key("grid.forget_after",
               "an owner remembers a finished or withdrawn job this long, refusing whatever would start another copy",
               opt().min(1e-3), &S::params, &G::forget_after)
          .key("grid.run_until",
               "horizon: the run lasts run.duration; jobs_final: it ends at the first multiple of grid.final_check "
               "at which every job of the workload is completed or failed (run.duration stays as the guard; jobs "
               "still open there are recorded as open_at_end)",
               opt().choices({"horizon", "jobs_final"}), &S::run_until)
          .key("grid.final_check", "grid.run_until = jobs_final: how often (simulated time) the run checks",
               opt().min(1e-3), &S::final_check)
          .choice("grid.queue",
                  "which queued job a run node starts next: arrival order (the paper); the user with the least "
                  "weighted decayed usage at that node (fair); or the same with each user's usage over the whole "
                  "grid, kept by the central server (fair_global, match.kind = central only) (docs/fairness.md)",
                  std::vector<std::pair<std::string, grid::QueuePolicy>>{
                      {"fifo", grid::QueuePolicy::kFifo},
                      {"fair", grid::QueuePolicy::kFair},
                      {"fair_global", grid::QueuePolicy::kFairGlobal}},
                  &S::params, &G::queue_policy)
          .key("grid.fair_half_life", "fair queues: a user's usage halves this often", opt().min(1e-3), &S::params,
               &G::fair_half_life)
          .key("grid.scale_by_cpu", "run time = nominal * reference_cpu / node cpu (off: nominal run time everywhere)",
               {}, &S::params, &G::scale_by_cpu)
          .key("grid.reference_cpu", "CPU speed of the nominal run time", opt().min(1).max(1e6).unit("MHz"),
               &S::params, &G::reference_cpu_mhz)

          .key("workload.source",
               "jobs: the paper's synthetic workload, an SWF job log (docs/workloads.md), or a WfCommons workflow "
               "(docs/fairness.md)",
               opt().choices({"synthetic", "swf", "wfcommons"}), &S::source)
          .owned_by(kWf)
          .key("workload.wf_file",
               "wfcommons: the instance, WfFormat 1.5 or 1.6 JSON (relative to the config file's directory); clients "
               "and start apply",
               opt().unit("file"), &S::wf_file)
          .key("workload.wf_copies", "wfcommons: copies of the workflow submitted, copy c by client c mod clients as "
                                     "user c",
               opt().min(1).max(1e6), &S::wf, &workload::WfPlanOptions::copies)
          .key("workload.wf_interval", "wfcommons: time between the submissions of consecutive copies", opt().min(0),
               &S::wf, &workload::WfPlanOptions::interval)
          .owned_by(kSwf)
          .key("workload.swf_file",
               "swf: the log (relative to the config file's directory); clients, start and input_bytes apply, the "
               "synthetic keys do not",
               opt().unit("file"), &S::swf_file)
          .key("workload.swf_time_scale",
               "swf: submit offsets and run times are multiplied by this (0.5: twice as fast, same load)",
               opt().min(1e-9), &S::swf, &workload::SwfPlanOptions::time_scale)
          .key("workload.swf_max_jobs", "swf: keep the earliest jobs only (0: all)", opt().min(0).max(1e12), &S::swf,
               &workload::SwfPlanOptions::max_jobs)
          .owned_by(kGrid)
          .key("workload.name", "a label for the scenario (figure2 groups traces by it)", {}, &S::name)
          .owned_by(kPoisson)
          .key("workload.jobs", "jobs submitted in all", opt().min(0).max(1e9), &S::jobs, &J::jobs)
          .owned_by(kGrid)
          .key("workload.clients", "submitting peers (spread over the ids; exempt from faults)",
               opt().min(1).max(1e9), &S::jobs, &J::clients)
          .owned_by(kPoisson)
          .key("workload.interarrival", "mean time between jobs of all clients together (Poisson)", opt().min(1e-9),
               &S::jobs, &J::mean_interarrival)
          .owned_by(kSynthetic)
          .choice("workload.users",
                  "who submits: each client one user of the paper's Poisson stream, or heavy sweep users and many "
                  "light users (docs/fairness.md)",
                  std::vector<std::pair<std::string, workload::UserMix>>{{"per_client", workload::UserMix::kPerClient},
                                                                         {"sweeps", workload::UserMix::kSweeps}},
                  &S::jobs, &J::users)
          .choice("workload.dag",
                  "workflows: each client's consecutive jobs form DAGs of this shape (docs/fairness.md); none: "
                  "independent jobs",
                  std::vector<std::pair<std::string, workload::DagShape>>{{"none", workload::DagShape::kNone},
                                                                          {"chain", workload::DagShape::kChain},
                                                                          {"fork_join", workload::DagShape::kForkJoin},
                                                                          {"layered", workload::DagShape::kLayered}},
                  &S::jobs, &J::dag)
          .key("workload.dag_size", "jobs per workflow", opt().min(1).max(1e6), &S::jobs, &J::dag_size)
          .key("workload.dag_width", "layered workflows: jobs per layer", opt().min(1).max(1e6), &S::jobs,
               &J::dag_width)
          .key("workload.output_bytes", "workflows: each job's output, added to the input of every job that needs it",
               opt().min(0).max(1e12).unit("bytes"), &S::jobs, &J::output_bytes)
          .owned_by(kSweeps)
          .key("workload.heavy_users", "sweeps: users 0 .. heavy_users - 1 each submit heavy_jobs jobs",
               opt().min(0).max(1e6), &S::jobs, &J::heavy_users)
          .key("workload.heavy_jobs", "sweeps: jobs per heavy user", opt().min(0).max(1e9), &S::jobs, &J::heavy_jobs)
          .key("workload.heavy_bursts", "sweeps: a heavy user submits its jobs in this many equal bursts, all at once",
               opt().min(1).max(1e6), &S::jobs, &J::heavy_bursts)
          .key("workload.heavy_burst_gap", "sweeps: time between a heavy user's bursts (the first at workload.start)",
               opt().min(0), &S::jobs, &J::heavy_burst_gap)
          .key("workload.heavy_spacing",
               "sweeps: time between consecutive jobs of one burst, as a client submits them (0: all at once)",
               opt().min(0), &S::jobs, &J::heavy_spacing)
          .key("workload.light_users", "sweeps: users after the heavy ones, each with light_jobs jobs",
               opt().min(0).max(1e6), &S::jobs, &J::light_users)
          .key("workload.light_jobs", "sweeps: jobs per light user", opt().min(0).max(1e6), &S::jobs, &J::light_jobs)
          .key("workload.light_window",
               "sweeps: each light job is submitted at a uniform random time in [workload.start, start + window)",
               opt().min(0), &S::jobs, &J::light_window)
          .key("workload.heavy_weight",
               "sweeps: each heavy user's weight in the fair queues: its usage is divided by it, so its share of a "
               "contended node is proportional to it (docs/fairness.md)",
               opt().min(1e-6).max(1e6), &S::heavy_weight)
          .key("workload.light_weight", "sweeps: each light user's weight in the fair queues",
               opt().min(1e-6).max(1e6), &S::light_weight)
          .owned_by(kSynthetic)
          .key("workload.run_time", "mean nominal run time", opt().min(1e-9), &S::jobs, &J::mean_run_time)
          .key("workload.run_time_spread", "run times are uniform in run_time * [1 - spread, 1 + spread]",
               opt().min(0).max(1), &S::jobs, &J::run_time_spread)
          .key("workload.constrained", "probability that each resource is constrained (paper: 0.4 light, 0.8 heavy)",
               opt().min(0).max(1), &S::jobs, &J::constrained_probability)
          .choice("workload.jobs_mix", "jobs: independent values, or a few classes",
                  std::vector<std::pair<std::string, workload::JobMix>>{{"mixed", workload::JobMix::kMixed},
                                                                        {"clustered", workload::JobMix::kClustered}},
                  &S::jobs, &J::mix)
          .key("workload.job_classes", "clustered jobs: number of classes", opt().min(1).max(1e6), &S::jobs,
               &J::classes)
          .key("workload.class_seed",
               "clustered jobs: seed of the job classes; 0: the run's seed (every replication redraws the classes)",
               opt().min(0).max(9e15), &S::jobs, &J::class_seed)
          .choice("workload.requirement_model",
                  "a constrained minimum, from a random reference node's capability c: uniform in [1, c] "
                  "(below_node), or c itself (node_value) (docs/workloads.md)",
                  std::vector<std::pair<std::string, workload::RequirementModel>>{
                      {"below_node", workload::RequirementModel::kBelowNode},
                      {"node_value", workload::RequirementModel::kNodeValue}},
                  &S::jobs, &J::requirement)
          .choice("workload.constraint_count",
                  "what workload.constrained is the probability of: a drawn constraint, binding or not (drawn), or "
                  "a binding one, above the weakest node (binding: 3 x constrained effective constraints per job)",
                  std::vector<std::pair<std::string, workload::ConstraintCount>>{
                      {"drawn", workload::ConstraintCount::kDrawn},
                      {"binding", workload::ConstraintCount::kBinding}},
                  &S::jobs, &J::count)
          .owned_by(kGrid)
          .key("workload.start", "warm-up before the first job", opt().min(0), &S::jobs, &J::start)
          .key("workload.input_bytes", "input size of each job", opt().min(0).max(1e12).unit("bytes"), &S::jobs,
               &J::input_bytes)

          .choice("nodes.mix", "node capabilities: independent values, or a few classes of identical machines",
                  std::vector<std::pair<std::string, can::Population>>{{"mixed", can::Population::kMixed},
                                                                       {"clustered", can::Population::kClustered}},
                  &S::nodes, &can::CapabilityModel::population)
          .key("nodes.classes", "clustered nodes: number of machine classes", opt().min(1).max(1e6), &S::nodes,
               &can::CapabilityModel::classes)

          .key("match.kind", "matchmaker", opt().choices({"central", "rntree", "can", "can-push"}), &S::kind)
          .key("match.deadline",
               "an owner fails a job it found no run node for this long after it began (re)matching it (reason "
               "unmatchable if the matchmaker's last round said no node can run it, else match_deadline)",
               opt().min(1e-3), &S::params, &G::match_deadline)
          .key("match.round_timeout", "an owner counts a matchmaking round unanswered this long as having found nothing",
               opt().min(1e-3), &S::params, &G::round_timeout)
          .owned_by(kCentral)
          .key("match.server", "central: the server peer", opt().min(0).max(4e9), &S::central,
               &match::CentralParams::server, &PeerId::value)
          .key("match.status_period", "central: how often every node reports its status to the server",
               opt().min(1e-3), &S::central, &match::CentralParams::status_period)
          .key("match.request_timeout", "central: an owner's request unanswered this long counts as unmatched",
               opt().min(1e-6), &S::central, &match::CentralParams::request_timeout)
          // RN-Tree (docs/rntree.md).
          .owned_by(kRnTree)
          .key("match.k", "rntree: extended search stops after k capable candidates (1: basic search)",
               opt().min(1).max(1024), &S::rntree, &R::k)
          .key("match.aggregation_period",
               "rntree: each peer sends its parent a subtree summary this often (0: chord.stabilize)", opt().min(0),
               &S::aggregation_period)
          .key("match.expiry_periods",
               "rntree: a child silent for this many periods is forgotten; a parent silent as long is avoided",
               opt().min(1).max(1000), &S::rntree, &R::expiry_periods)
          .key("match.suspect_periods", "rntree: periods an unresponsive parent is avoided", opt().min(1).max(1e6),
               &S::rntree, &R::suspect_periods)
          .key("match.walk_length",
               "rntree: random-walk hops from the owner to the search origin (0: the owner searches)",
               opt().min(0).max(64), &S::rntree, &R::walk_length)
          .key("match.visit_timeout", "rntree: a node asked by a search and silent this long is skipped",
               opt().min(1e-6), &S::rntree, &R::visit_timeout)
          .key("match.max_visits", "rntree: nodes a job's first search may ask before it settles for what it found",
               opt().min(1).max(R::kMaxVisitBudget), &S::rntree, &R::max_visits)
          .key("match.visit_growth",
               "rntree: each later round of a job may ask this many times as many nodes as the one before "
               "(1: every round max_visits; a round's budget stops at max_visits' upper bound)",
               opt().min(1).max(16), &S::rntree, &R::visit_growth)
          .key("match.search_timeout", "rntree: after a walk, the owner stops waiting for the search's answer",
               opt().min(1e-3), &S::rntree, &R::search_timeout)
          // CAN matchmakers (docs/can-match.md).
          .owned_by(kCanMatch)
          .key("match.max_forwards", "can: forwards towards more capable zones of a job with no capable candidate",
               opt().min(0).max(255), &S::can_match, &C::max_forwards)
          .key("match.answer_timeout",
               "can: an owner that handed a job on counts it unmatched after this without an answer", opt().min(1e-6),
               &S::can_match, &C::answer_timeout)
          .key("match.escalate",
               "can: round r of a job forwards up to max_forwards * (r + 1) times, from round 1 on to random more "
               "capable neighbours (docs/can-match.md)",
               {}, &S::can_match, &C::escalate)
          .owned_by(kCanPush)
          .key("match.max_pushes", "can-push: pushes per matching round", opt().min(0).max(255), &S::can_match,
               &C::max_pushes)
          .key("match.push_threshold",
               "can-push: push while the line above averages below this times the best local load",
               opt().min(0).max(1e6), &S::can_match, &C::push_threshold)
          .key("match.push_period", "can-push: line aggregates go to lower neighbours this often (0: can.update_period)",
               opt().min(0), &S::push_period)
          .key("match.push_expiry", "can-push: an aggregate not refreshed for this many periods is dropped",
               opt().min(1).max(1000), &S::can_match, &C::expiry_periods);
  return section;
}

void declare_grid(Schema& s) { grid_section().declare(s); }

bool over_chord(const GridSettings& g) { return g.kind == "central" || g.kind == "rntree"; }

KeyUse grid_uses(const Config& c) {
  const GridSettings g = grid_section().read(c);
  KeyUse use;
  use.owners = {kGrid, g.source == "swf" ? kSwf : g.source == "wfcommons" ? kWf : kSynthetic};
  if (g.source == "synthetic") use.owners.emplace_back(g.jobs.users == workload::UserMix::kSweeps ? kSweeps : kPoisson);
  if (g.kind == "central") use.owners.emplace_back(kCentral);
  if (g.kind == "rntree") use.owners.emplace_back(kRnTree);
  if (g.kind == "can" || g.kind == "can-push") use.owners.emplace_back(kCanMatch);
  if (g.kind == "can-push") use.owners.emplace_back(kCanPush);
  use.owners.emplace_back(over_chord(g) ? "the Chord overlay" : "the CAN overlay");
  use.chosen_by = "run.protocol = \"grid\", match.kind = \"" + g.kind + "\", workload.source = \"" + g.source + "\"";
  return use;
}

/// The jobs: the paper's synthetic workload, or an SWF log (docs/workloads.md).
grid::JobPlan job_plan(const Config& c, const GridSettings& g, std::uint32_t peers, std::uint64_t seed,
                       const std::function<grid::Resources(PeerId)>& capabilities_of) {
  if (g.source == "synthetic") {
    try {
      return workload::make_job_plan(g.jobs, peers, seed, capabilities_of);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(c.origin() + ": [workload]: " + e.what());
    }
  }
  if (g.source == "wfcommons") {
    if (g.wf_file.empty()) {
      throw ConfigError(c.origin() + ": key 'workload.wf_file': required when workload.source = wfcommons");
    }
    workload::WfPlanOptions o = g.wf;
    o.peers = peers;
    o.clients = g.jobs.clients;
    o.start = g.jobs.start;
    try {
      const std::filesystem::path path = std::filesystem::path(c.origin()).parent_path() / g.wf_file;
      return workload::make_wfcommons_plan(workload::read_wfcommons_file(path.string()), o);
    } catch (const workload::TraceFileError& e) {
      throw ConfigError(c.origin() + ": key 'workload.wf_file': " + e.what());
    }
  }
  if (g.swf_file.empty()) {
    throw ConfigError(c.origin() + ": key 'workload.swf_file': required when workload.source = swf");
  }
  workload::SwfPlanOptions o = g.swf;
  o.peers = peers;
  o.clients = g.jobs.clients;
  o.start = g.jobs.start;
  o.input_bytes = g.jobs.input_bytes;
  try {
    // A relative path is relative to the config file's directory.
    const std::filesystem::path path = std::filesystem::path(c.origin()).parent_path() / g.swf_file;
    return workload::make_swf_plan(workload::read_swf_file(path.string()), o);
  } catch (const workload::TraceFileError& e) {
    throw ConfigError(c.origin() + ": key 'workload.swf_file': " + e.what());
  }
}

/// Each peer's own capabilities, from the [nodes] model (the same machines
/// as the CAN points): a function of its identity, as a real machine reads
/// its own hardware.
std::function<grid::Resources(PeerId)> capabilities_function(const GridSettings& settings, std::uint64_t seed) {
  return [model = settings.nodes, seed](PeerId p) { return can::capabilities_of(model, seed, p).value; };
}

grid::Params grid_params(const Config& c, const GridSettings& settings, std::uint32_t peers, std::uint64_t seed) {
  grid::Params g = settings.params;
  g.salt = seed;
  g.capabilities_of = capabilities_function(settings, seed);
  if (settings.jobs.clients > peers) {
    throw ConfigError(c.origin() + ": key 'workload.clients': " + std::to_string(settings.jobs.clients) +
                      " clients but only " + std::to_string(peers) + " peers");
  }
  g.plan = std::make_shared<const grid::JobPlan>(job_plan(c, settings, peers, seed, g.capabilities_of));
  // Weights by user class: users of the sweep mix are numbered heavy first.
  // All equal (the default): no weights, so the fair queues divide by nothing.
  if (settings.source == "synthetic" && settings.jobs.users == workload::UserMix::kSweeps &&
      settings.heavy_weight != settings.light_weight) {
    g.user_weights = [heavy = settings.jobs.heavy_users, hw = settings.heavy_weight,
                      lw = settings.light_weight](std::uint32_t user) { return user < heavy ? hw : lw; };
  }
  if (g.queue_policy == grid::QueuePolicy::kFairGlobal) {
    if (settings.kind != "central") {
      throw ConfigError(c.origin() + ": key 'grid.queue': \"fair_global\" needs match.kind = \"central\" (the "
                        "central server keeps the global accounts); match.kind is \"" + settings.kind +
                        "\": use \"fair\" (each run node's own accounts)");
    }
    g.usage_server = settings.central.server;
  }
  return g;
}

/// Chord's oracle bootstrap, or join times, for a stack over Chord.
template <class Stack>
void bootstrap_overlay(const ChordSettings& chord, Deployment& d) {
  if (chord.oracle()) {
    d.prepare = [cp = chord.params](Engine& engine) {
      // ORACLE: every peer's correct Chord state at time 0, each rank for its own.
      auto& stack = dynamic_cast<Stack&>(engine.protocol());
      const chord::OracleRing ring(cp.peers, cp.salt);
      for (auto& peer : stack.nodes()) peer.overlay_for_oracle().oracle_bootstrap(ring);
    };
  } else {
    d.start_time = [cp = chord.params](PeerId q) { return cp.start_of(q); };
  }
  d.tables.insert(d.tables.end(), {&chord::LookupRecord::kTable, &chord::SnapshotRecord::kTable});
}

/// CAN's oracle bootstrap, or join times, for a stack over CAN.
template <class Stack>
void bootstrap_overlay(const CanSettings& can, Deployment& d) {
  if (can.params.bootstrap == can::Bootstrap::kOracle) {
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
    d.start_time = [gap = can.join_interval](PeerId q) { return Time{gap.ns * static_cast<std::int64_t>(q.value)}; };
  }
  d.tables.push_back(&can::ZoneRecord::kTable);
}

chord::Params overlay_params(const ChordSettings& chord, const GridSettings& /*g*/) { return chord.params; }

/// Over CAN the points come from the [nodes] model, so the grid's
/// capabilities and the CAN points are the same machines.
can::Params overlay_params(const CanSettings& can, const GridSettings& g) {
  can::Params p = can.params;
  p.capabilities = g.nodes;
  p.probe_interval = Duration{0};
  return p;
}

/// The one deployment path of every grid stack: GridPeer<Owners, Match>.
template <class Owners, class Match, class OverlaySettings>
Deployment deploy_stack(const Config& c, const GridSettings& g, const OverlaySettings& overlay, std::uint32_t peers,
                        std::uint64_t seed, typename Match::Params match) {
  using Peer = peer::GridPeer<Owners, Match>;
  using Stack = NodeProtocol<Peer, typename Peer::Params>;
  typename Peer::Params p{overlay_params(overlay, g), grid_params(c, g, peers, seed), std::move(match)};
  Deployment d;
  d.factory = [p](const ShardPeers& shard) { return std::make_unique<Stack>(shard, p); };
  d.tables = {&JobRecord::kTable, &grid::SubmissionRecord::kTable, &grid::HeldRecord::kTable,
              &grid::RecoveryRecord::kTable};
  // Only workflows have edges: traces of independent jobs keep their tables.
  if (p.grid.plan->has_workflows()) d.tables.push_back(&DependencyRecord::kTable);
  bootstrap_overlay<Stack>(overlay, d);
  d.exempt = [jobs = g.jobs, peers](PeerId q) { return workload::is_client(jobs, peers, q); };
  d.idle_check = g.run_until == "jobs_final" ? g.final_check : Duration{0};
  // What the nodes table reports of each peer: its capabilities and how
  // long a job runs on it (the run node's own rule).
  d.capabilities = p.grid.capabilities_of;
  d.run_time_on = [gp = p.grid](PeerId q, Duration nominal) {
    return grid::run_time_on(gp, gp.capabilities_of(q)[0], nominal);
  };
  return d;
}

Deployment deploy_grid(const Config& c, std::uint32_t peers, std::uint64_t seed) {
  const GridSettings g = grid_section().read(c);
  if (g.kind == "central") {
    if (g.central.server.value >= peers) {
      throw ConfigError(c.origin() + ": key 'match.server': peer " + std::to_string(g.central.server.value) +
                        " does not exist");
    }
    return deploy_stack<peer::ChordJobOwners, match::Central>(c, g, chord_settings(c, peers, seed), peers, seed,
                                                              g.central);
  }
  if (g.kind == "rntree") {
    const ChordSettings chord = chord_settings(c, peers, seed);
    match::RnTreeParams m = g.rntree;
    m.aggregation_period = g.aggregation_period.ns == 0 ? chord.params.stabilize : g.aggregation_period;
    Deployment d = deploy_stack<peer::ChordJobOwners, match::RnTree>(c, g, chord, peers, seed, m);
    d.tables.push_back(&match::RnTreeParentRecord::kTable);
    return d;
  }
  if (g.kind == "can" || g.kind == "can-push") {
    const CanSettings can = can_settings(c, peers, seed);
    if (can.params.resources != static_cast<int>(can::kResources)) {
      throw ConfigError(c.origin() + ": key 'can.resources': the CAN matchmakers need all " +
                        std::to_string(can::kResources) + " resource dimensions (a job constrains any of them)");
    }
    match::CanMatchParams m = g.can_match;
    m.push = g.kind == "can-push";
    m.push_period = g.push_period.ns == 0 ? can.params.update_period : g.push_period;
    return deploy_stack<peer::CanJobOwners, match::CanMatch>(c, g, can, peers, seed, m);
  }
  throw ConfigError(c.origin() + ": key 'match.kind': unknown matchmaker '" + g.kind + "'");
}

}  // namespace

ProtocolBinding grid_binding() {
  return {"grid", "the desktop grid: job roles and a matchmaker over an overlay", declare_grid, deploy_grid, grid_uses};
}

}  // namespace p2pgrid
