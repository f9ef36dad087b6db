#pragma once
/// The paper's synthetic job workload (§3.3): Poisson arrivals from several
/// clients; each resource constrained with a fixed probability (0.4:
/// "lightly constrained", 1.2 of 3 on average; 0.8: "heavily", 2.4 of 3);
/// jobs "clustered" (a few classes of identical jobs) or "mixed"
/// (independent values). docs/grid.md gives every rule and default.
///
/// No unsatisfiable job is generated: each constrained minimum is drawn at
/// or below the capability of a reference node drawn from the population,
/// so at least that node can run it.

#include <cstdint>
#include <functional>
#include <string_view>

#include "p2pgrid/grid/params.hpp"

namespace p2pgrid::workload {

enum class JobMix : std::uint8_t { kMixed, kClustered };

JobMix parse_job_mix(std::string_view text);  ///< "mixed" or "clustered"

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
  Time start = Time{Duration::seconds(60).ns};  ///< warm-up before the first job
  std::uint64_t input_bytes = std::uint64_t{100} * 1024;
};

/// Client i is peer floor(i * peers / clients): spread over the id space.
PeerId client_peer(const JobModel& model, std::uint32_t peers, std::uint32_t index);
bool is_client(const JobModel& model, std::uint32_t peers, PeerId peer);

/// Every client's jobs. `capabilities_of` gives the node population (the
/// same function the peers use for themselves).
grid::JobPlan make_job_plan(const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                            const std::function<grid::Resources(PeerId)>& capabilities_of);

}  // namespace p2pgrid::workload
