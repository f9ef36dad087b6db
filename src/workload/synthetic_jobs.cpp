#include "p2pgrid/workload/synthetic_jobs.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>
#include <string>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::workload {
namespace {

/// Reference nodes tried per job before kBinding is declared impossible: a
/// population where one node in a thousand qualifies still succeeds with
/// probability 1 - e^-100.
constexpr int kMaxReferenceDraws = 100'000;

std::uint32_t minimum_from(RequirementModel model, Rng& rng, std::uint32_t capability) {
  return model == RequirementModel::kNodeValue ? capability : static_cast<std::uint32_t>(1 + rng.below(capability));
}

/// Draws requirement vectors by the model's rules from the node population.
class RequirementDraw {
 public:
  RequirementDraw(const JobModel& model, std::uint32_t peers,
                  const std::function<grid::Resources(PeerId)>& capabilities_of)
      : model_(model), peers_(peers), capabilities_of_(capabilities_of) {
    if (model.count != ConstraintCount::kBinding) return;
    // The weakest node's value per resource: a binding minimum exceeds it.
    weakest_.fill(std::numeric_limits<std::uint32_t>::max());
    for (std::uint32_t q = 0; q < peers; ++q) {
      const grid::Resources c = capabilities_of(PeerId{q});
      for (std::size_t r = 0; r < grid::kResources; ++r) weakest_[r] = std::min(weakest_[r], c[r]);
    }
  }

  grid::Resources operator()(Rng& rng) const {
    return model_.count == ConstraintCount::kBinding ? binding(rng) : drawn(rng);
  }

 private:
  /// Each resource constrained with probability p; a minimum at or below
  /// the weakest node still counts (it binds nothing).
  grid::Resources drawn(Rng& rng) const {
    const grid::Resources reference = capabilities_of_(PeerId{static_cast<std::uint32_t>(rng.below(peers_))});
    grid::Resources req{};
    for (std::size_t r = 0; r < grid::kResources; ++r) {
      if (rng.chance(model_.constrained_probability) && reference[r] > 0) {
        req[r] = minimum_from(model_.requirement, rng, reference[r]);
      }
    }
    return req;
  }

  /// The constrained resources first, then reference nodes (and minimums)
  /// until every constrained minimum exceeds the weakest node: the
  /// distribution of the drawn rule conditioned on binding.
  grid::Resources binding(Rng& rng) const {
    std::array<bool, grid::kResources> constrained{};
    for (bool& c : constrained) c = rng.chance(model_.constrained_probability);
    for (int attempt = 0; attempt < kMaxReferenceDraws; ++attempt) {
      const grid::Resources reference = capabilities_of_(PeerId{static_cast<std::uint32_t>(rng.below(peers_))});
      grid::Resources req{};
      bool binds = true;
      for (std::size_t r = 0; r < grid::kResources && binds; ++r) {
        if (!constrained[r]) continue;
        req[r] = reference[r] > weakest_[r] ? minimum_from(model_.requirement, rng, reference[r]) : 0;
        binds = req[r] > weakest_[r];
      }
      if (binds) return req;
    }
    std::string which;
    for (std::size_t r = 0; r < grid::kResources; ++r) {
      if (constrained[r]) which += (which.empty() ? "" : ", ") + std::string(kResourceNames[r]);
    }
    throw std::invalid_argument("workload.constraint_count = \"binding\": no binding minimum of {" + which +
                                "} found in " + std::to_string(kMaxReferenceDraws) +
                                " reference nodes (too few nodes exceed the weakest one in all of them)");
  }

  static constexpr std::array<std::string_view, grid::kResources> kResourceNames{"cpu", "memory", "disk"};

  const JobModel& model_;
  std::uint32_t peers_;
  const std::function<grid::Resources(PeerId)>& capabilities_of_;
  grid::Resources weakest_{};
};

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
  const RequirementDraw draw(model, peers, capabilities_of);
  std::vector<grid::Resources> classes;
  if (model.mix == JobMix::kClustered) {
    Rng class_rng(model.class_seed != 0 ? model.class_seed : seed, PeerId{1}, Purpose::kWorkload);
    for (std::uint32_t k = 0; k < model.classes; ++k) classes.push_back(draw(class_rng));
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
      spec.requirements = draw(rng);
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
