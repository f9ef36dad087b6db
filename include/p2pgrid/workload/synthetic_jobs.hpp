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
};

/// Client i is peer floor(i * peers / clients): spread over the id space.
PeerId client_peer(const JobModel& model, std::uint32_t peers, std::uint32_t index);
bool is_client(const JobModel& model, std::uint32_t peers, PeerId peer);

/// Every client's jobs. `capabilities_of` gives the node population (the
/// same function the peers use for themselves). Throws
/// std::invalid_argument when ConstraintCount::kBinding cannot be met (no
/// node exceeds the weakest in every resource a job constrains).
grid::JobPlan make_job_plan(const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                            const std::function<grid::Resources(PeerId)>& capabilities_of);

}  // namespace p2pgrid::workload
