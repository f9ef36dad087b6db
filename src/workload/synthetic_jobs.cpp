#include "p2pgrid/workload/synthetic_jobs.hpp"

#include <stdexcept>
#include <string>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::workload {
namespace {

/// A requirement vector at or below `reference`, each resource constrained
/// with probability p (unconstrained: 0).
grid::Resources draw_requirements(Rng& rng, const grid::Resources& reference, double p) {
  grid::Resources req{};
  for (std::size_t r = 0; r < grid::kResources; ++r) {
    if (rng.chance(p) && reference[r] > 0) req[r] = static_cast<std::uint32_t>(1 + rng.below(reference[r]));
  }
  return req;
}

}  // namespace

JobMix parse_job_mix(std::string_view text) {
  if (text == "mixed") return JobMix::kMixed;
  if (text == "clustered") return JobMix::kClustered;
  throw std::invalid_argument("unknown job mix '" + std::string(text) + "' (expected mixed or clustered)");
}

PeerId client_peer(const JobModel& model, std::uint32_t peers, std::uint32_t index) {
  return PeerId{static_cast<std::uint32_t>(std::uint64_t{index} * peers / model.clients)};
}

bool is_client(const JobModel& model, std::uint32_t peers, PeerId peer) {
  // Inverse of client_peer: the smallest i with i * peers / clients >= peer.
  const std::uint64_t i = (std::uint64_t{peer.value} * model.clients + peers - 1) / peers;
  return i < model.clients && client_peer(model, peers, static_cast<std::uint32_t>(i)) == peer;
}

grid::JobPlan make_job_plan(const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                            const std::function<grid::Resources(PeerId)>& capabilities_of) {
  if (model.clients == 0 || model.clients > peers) {
    throw std::invalid_argument("workload.clients must be between 1 and the number of peers");
  }
  // One arrival stream for the whole system, so the workload does not
  // change with the number of clients, only who submits.
  Rng rng(seed, PeerId{0}, Purpose::kWorkload);
  std::vector<grid::Resources> classes;
  if (model.mix == JobMix::kClustered) {
    Rng class_rng(seed, PeerId{1}, Purpose::kWorkload);
    for (std::uint32_t k = 0; k < model.classes; ++k) {
      const PeerId reference{static_cast<std::uint32_t>(class_rng.below(peers))};
      classes.push_back(draw_requirements(class_rng, capabilities_of(reference), model.constrained_probability));
    }
  }
  grid::JobPlan plan;
  Time t = model.start;
  const double spread = model.run_time_spread;
  for (std::uint32_t j = 0; j < model.jobs; ++j) {
    t += Duration{static_cast<std::int64_t>(rng.exponential(static_cast<double>(model.mean_interarrival.ns)))};
    grid::JobSpec spec;
    spec.submit = t;
    if (model.mix == JobMix::kClustered) {
      spec.requirements = classes[rng.below(classes.size())];
    } else {
      const PeerId reference{static_cast<std::uint32_t>(rng.below(peers))};
      spec.requirements = draw_requirements(rng, capabilities_of(reference), model.constrained_probability);
    }
    const double factor = 1.0 - spread + 2.0 * spread * rng.uniform01();
    spec.run_time = Duration{static_cast<std::int64_t>(static_cast<double>(model.mean_run_time.ns) * factor)};
    spec.input_bytes = model.input_bytes;
    const PeerId client = client_peer(model, peers, static_cast<std::uint32_t>(rng.below(model.clients)));
    plan.by_client[client.value].push_back(spec);
  }
  return plan;
}

}  // namespace p2pgrid::workload
