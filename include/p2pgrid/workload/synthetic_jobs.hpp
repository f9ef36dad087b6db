#pragma once
/// The paper's synthetic job workload (§3.3): Poisson arrivals from several
/// clients; each resource constrained with a fixed probability (0.4:
/// "lightly constrained", 1.2 of 3 on average; 0.8: "heavily", 2.4 of 3);
/// jobs "clustered" (a few classes of identical jobs) or "mixed"
/// (independent values). docs/grid.md gives every rule and default.
///
/// The paper leaves three choices open; each is a named model here
/// (docs/workloads.md gives their effects):
/// - how a constrained minimum is drawn (RequirementModel);
/// - whether the constraint probability counts every drawn constraint or
///   only binding ones, those above the weakest node (ConstraintCount);
/// - whether clustered job classes are redrawn with every run seed or fixed
///   by a seed of their own (JobModel::class_seed).
///
/// No unsatisfiable job is generated: every minimum of a job comes from one
/// reference node drawn from the population, at or below its capability,
/// so at least that node can run it.

#include <cstdint>
#include <functional>
#include <string_view>

#include "p2pgrid/grid/params.hpp"

namespace p2pgrid::workload {

enum class JobMix : std::uint8_t { kMixed, kClustered };

/// Who submits (docs/fairness.md). kPerClient: the paper's single Poisson
/// stream, each client peer one user. kSweeps: heavy users submitting
/// sweeps of many jobs in bursts, and many light users with a few jobs each
/// at random times; user u submits through client (u mod clients).
enum class UserMix : std::uint8_t { kPerClient, kSweeps };

/// Workflows: each client's consecutive jobs grouped into DAGs of dag_size
/// jobs (the last one may be smaller). kChain: each job needs the one
/// before. kForkJoin: one root, dag_size - 2 jobs that need it, one job that
/// needs them all. kLayered: layers of dag_width jobs, each needing one to
/// three random jobs of the layer before.
enum class DagShape : std::uint8_t { kNone, kChain, kForkJoin, kLayered };

JobMix parse_job_mix(std::string_view text);  ///< "mixed" or "clustered"

/// How the minimum of a constrained resource is drawn from the reference
/// node's capability c: uniform in [1, c] (kBelowNode, the rule of the first
/// reproduction), or c itself (kNodeValue: "a random node's value").
enum class RequirementModel : std::uint8_t { kBelowNode, kNodeValue };

/// What workload.constrained is the probability of. kDrawn: a resource is
/// constrained with that probability, whatever its minimum (one at or below
/// the weakest node binds nothing). kBinding: constrained and binding, a
/// minimum above the weakest node's value (the reference node is redrawn
/// until every constrained minimum binds), so a job has 3p effective
/// constraints on average: the paper's 1.2 and 2.4.
enum class ConstraintCount : std::uint8_t { kDrawn, kBinding };

struct JobModel {
  std::uint32_t jobs = 10'000;
  std::uint32_t clients = 10;
  Duration mean_interarrival = Duration::milliseconds(100);  ///< of all clients together
  Duration mean_run_time = Duration::seconds(200);
  /// Run times are uniform in mean * [1 - spread, 1 + spread].
  double run_time_spread = 0.5;
  double constrained_probability = 0.4;
  JobMix mix = JobMix::kMixed;
  std::uint32_t classes = 4;  ///< clustered: number of job classes
  RequirementModel requirement = RequirementModel::kBelowNode;
  ConstraintCount count = ConstraintCount::kDrawn;
  /// Clustered: the seed the job classes are drawn from; 0 uses the run's
  /// seed (classes redrawn with every replication).
  std::uint64_t class_seed = 0;
  Time start = Time{Duration::seconds(60).ns};  ///< warm-up before the first job
  std::uint64_t input_bytes = std::uint64_t{100} * 1024;

  UserMix users = UserMix::kPerClient;
  std::uint32_t heavy_users = 1;
  std::uint32_t heavy_jobs = 5000;     ///< per heavy user
  std::uint32_t heavy_bursts = 1;      ///< a heavy user's jobs come in this many equal bursts
  Duration heavy_burst_gap = Duration::seconds(3600);
  /// Between consecutive jobs of one burst (0: all at the burst's instant).
  Duration heavy_spacing{0};
  std::uint32_t light_users = 50;
  std::uint32_t light_jobs = 10;       ///< per light user
  Duration light_window = Duration::seconds(3600);  ///< light jobs are uniform in [start, start + window)

  DagShape dag = DagShape::kNone;
  std::uint32_t dag_size = 10;
  std::uint32_t dag_width = 4;
  std::uint64_t output_bytes = 0;  ///< each job's output, added to the input of each job that needs it
};

/// Client i is peer floor(i * peers / clients): spread over the id space.
PeerId client_peer(const JobModel& model, std::uint32_t peers, std::uint32_t index);
bool is_client(const JobModel& model, std::uint32_t peers, PeerId peer);

/// Groups each client's jobs into workflows of `model.dag` (no-op for
/// kNone): every job of a workflow takes its first job's submit time and
/// user. Deterministic in `seed`.
void shape_workflows(grid::JobPlan& plan, const JobModel& model, std::uint64_t seed);

/// Every client's jobs. `capabilities_of` gives the node population (the
/// same function the peers use for themselves). Throws
/// std::invalid_argument when ConstraintCount::kBinding cannot be met (no
/// node exceeds the weakest in every resource a job constrains).
grid::JobPlan make_job_plan(const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                            const std::function<grid::Resources(PeerId)>& capabilities_of);

}  // namespace p2pgrid::workload
