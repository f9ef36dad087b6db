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

namespace {

/// One job's requirements and run time, drawn from `rng` (the paper's rules).
grid::JobSpec draw_job(Rng& rng, const JobModel& model, const std::vector<grid::Resources>& classes,
                       const RequirementDraw& draw) {
  grid::JobSpec spec;
  if (model.mix == JobMix::kClustered) {
    spec.requirements = classes[rng.below(classes.size())];
  } else {
    spec.requirements = draw(rng);
  }
  const double spread = model.run_time_spread;
  const double factor = 1.0 - spread + 2.0 * spread * rng.uniform01();
  spec.run_time = Duration{static_cast<std::int64_t>(static_cast<double>(model.mean_run_time.ns) * factor)};
  spec.input_bytes = model.input_bytes;
  return spec;
}

/// Heavy users' bursts and light users' scattered jobs, user by user.
void add_sweeps(grid::JobPlan& plan, const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                const std::vector<grid::Resources>& classes, const RequirementDraw& draw) {
  if (model.heavy_bursts == 0) throw std::invalid_argument("workload.heavy_bursts must be at least 1");
  Rng rng(seed, PeerId{2}, Purpose::kWorkload);
  const std::uint32_t users = model.heavy_users + model.light_users;
  for (std::uint32_t u = 0; u < users; ++u) {
    const bool heavy = u < model.heavy_users;
    const std::uint32_t n = heavy ? model.heavy_jobs : model.light_jobs;
    std::vector<grid::JobSpec> jobs;
    for (std::uint32_t j = 0; j < n; ++j) {
      grid::JobSpec spec = draw_job(rng, model, classes, draw);
      spec.user = u;
      if (heavy) {
        const std::uint64_t burst = std::uint64_t{j} * model.heavy_bursts / n;
        // The burst's first job: the smallest j' with j' * bursts / n == burst.
        const std::uint64_t first = (burst * n + model.heavy_bursts - 1) / model.heavy_bursts;
        spec.submit = model.start + model.heavy_burst_gap * static_cast<std::int64_t>(burst) +
                      model.heavy_spacing * static_cast<std::int64_t>(j - first);
      } else {
        spec.submit = model.start + Duration{static_cast<std::int64_t>(rng.below(
                                        static_cast<std::uint64_t>(std::max<std::int64_t>(1, model.light_window.ns))))};
      }
      jobs.push_back(spec);
    }
    const PeerId client = client_peer(model, peers, u % model.clients);
    auto& list = plan.by_client[client.value].jobs;
    list.insert(list.end(), jobs.begin(), jobs.end());
  }
  // Each client submits in time order (users sharing a client interleave).
  for (auto& [client, client_plan] : plan.by_client) {
    std::stable_sort(client_plan.jobs.begin(), client_plan.jobs.end(),
                     [](const grid::JobSpec& a, const grid::JobSpec& b) { return a.submit < b.submit; });
  }
}

}  // namespace

void shape_workflows(grid::JobPlan& plan, const JobModel& model, std::uint64_t seed) {
  if (model.dag == DagShape::kNone) return;
  if (model.dag_size == 0 || model.dag_width == 0) {
    throw std::invalid_argument("workload.dag_size and workload.dag_width must be at least 1");
  }
  // Clients in id order, so the random parents do not depend on hashing.
  std::vector<std::uint32_t> clients;
  for (const auto& entry : plan.by_client) clients.push_back(entry.first);
  std::sort(clients.begin(), clients.end());
  Rng rng(seed, PeerId{3}, Purpose::kWorkload);
  for (const std::uint32_t c : clients) {
    std::vector<grid::JobSpec>& list = plan.by_client[c].jobs;
    grid::JobParents& edges = plan.by_client[c].parents;
    edges = grid::JobParents{};
    std::vector<std::uint32_t> parents;  // of one job, as plan indices
    for (std::size_t first = 0; first < list.size(); first += model.dag_size) {
      const std::size_t n = std::min<std::size_t>(model.dag_size, list.size() - first);
      for (std::size_t k = 0; k < n; ++k) {
        grid::JobSpec& spec = list[first + k];
        spec.submit = list[first].submit;
        spec.user = list[first].user;
        parents.clear();
        const auto at = [first](std::size_t position) { return static_cast<std::uint32_t>(first + position); };
        switch (model.dag) {
          case DagShape::kChain:
            if (k > 0) parents.push_back(at(k - 1));
            break;
          case DagShape::kForkJoin:
            if (k > 0 && (k + 1 < n || n == 2)) {
              parents.push_back(at(0));
            } else if (k > 0) {
              for (std::size_t p = 1; p + 1 < n; ++p) parents.push_back(at(p));
            }
            break;
          case DagShape::kLayered: {
            const std::size_t layer = k / model.dag_width;
            if (layer == 0) break;
            const std::size_t lo = (layer - 1) * model.dag_width;
            const std::size_t width = model.dag_width;
            const std::size_t count = 1 + rng.below(std::min<std::size_t>(3, width));
            for (std::size_t i = 0; i < count; ++i) {
              const std::uint32_t p = at(lo + rng.below(width));
              if (std::find(parents.begin(), parents.end(), p) == parents.end()) parents.push_back(p);
            }
            std::sort(parents.begin(), parents.end());
            break;
          }
          case DagShape::kNone: break;
        }
        spec.input_bytes += model.output_bytes * parents.size();
        edges.append(first + k, parents);
      }
    }
  }
}

grid::JobPlan make_job_plan(const JobModel& model, std::uint32_t peers, std::uint64_t seed,
                            const std::function<grid::Resources(PeerId)>& capabilities_of) {
  if (model.clients == 0 || model.clients > peers) {
    throw std::invalid_argument("workload.clients must be between 1 and the number of peers");
  }
  const RequirementDraw draw(model, peers, capabilities_of);
  std::vector<grid::Resources> classes;
  if (model.mix == JobMix::kClustered) {
    Rng class_rng(model.class_seed != 0 ? model.class_seed : seed, PeerId{1}, Purpose::kWorkload);
    for (std::uint32_t k = 0; k < model.classes; ++k) classes.push_back(draw(class_rng));
  }
  grid::JobPlan plan;
  if (model.users == UserMix::kSweeps) {
    add_sweeps(plan, model, peers, seed, classes, draw);
    shape_workflows(plan, model, seed);
    return plan;
  }
  // One arrival stream for the whole system, so the workload does not
  // change with the number of clients, only who submits.
  Rng rng(seed, PeerId{0}, Purpose::kWorkload);
  Time t = model.start;
  for (std::uint32_t j = 0; j < model.jobs; ++j) {
    t += Duration{static_cast<std::int64_t>(rng.exponential(static_cast<double>(model.mean_interarrival.ns)))};
    grid::JobSpec spec = draw_job(rng, model, classes, draw);
    spec.submit = t;
    const auto index = static_cast<std::uint32_t>(rng.below(model.clients));
    spec.user = index;  // each client one user
    plan.by_client[client_peer(model, peers, index).value].jobs.push_back(spec);
  }
  shape_workflows(plan, model, seed);
  // Every rank keeps the whole plan for the run: no growth slack.
  for (auto& [client, client_plan] : plan.by_client) {
    client_plan.jobs.shrink_to_fit();
    client_plan.parents.shrink_to_fit();
  }
  return plan;
}

}  // namespace p2pgrid::workload
