#pragma once
/// The job layer's configuration (the same on every peer) and the workload
/// plan: which peers are clients and what each submits when. The plan is
/// deployment data, like a user's job list; a client reads only its own.

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "p2pgrid/core/time.hpp"
#include "p2pgrid/grid/executor.hpp"
#include "p2pgrid/grid/fair_share.hpp"
#include "p2pgrid/grid/job_parents.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

/// One job a client will submit.
struct JobSpec {
  Time submit;
  Resources requirements{};
  Duration run_time;
  std::uint64_t input_bytes = 0;  ///< includes the parents' outputs the job reads
  std::uint32_t user = 0;
};

/// One client's jobs, in submission order, and the workflows among them: a
/// job with parents is submitted only once the client holds every parent's
/// result (docs/fairness.md, "Workflows").
struct ClientPlan {
  std::vector<JobSpec> jobs;
  JobParents parents;
};

/// Every client's jobs.
struct JobPlan {
  std::unordered_map<std::uint32_t, ClientPlan> by_client;
  [[nodiscard]] const ClientPlan* of(PeerId client) const {
    const auto it = by_client.find(client.value);
    return it == by_client.end() ? nullptr : &it->second;
  }
  [[nodiscard]] bool has_workflows() const {
    for (const auto& [client, plan] : by_client) {
      if (plan.parents.any()) return true;
    }
    return false;
  }
  /// Heap bytes of the plan (memory accounting): the job lists and their
  /// parent rows, and the map's buckets and nodes (libstdc++: a node is
  /// the next pointer and the entry; integer keys' hashes are not cached).
  [[nodiscard]] std::uint64_t heap_bytes() const {
    const std::uint64_t node = sizeof(void*) + sizeof(decltype(by_client)::value_type);
    std::uint64_t bytes = by_client.bucket_count() * sizeof(void*) + by_client.size() * node;
    for (const auto& [client, plan] : by_client) {
      bytes += plan.jobs.capacity() * sizeof(JobSpec) + plan.parents.heap_bytes();
    }
    return bytes;
  }
};

/// Which queued job a run node starts next.
enum class QueuePolicy : std::uint8_t {
  kFifo,  ///< arrival order (the paper)
  kFair,  ///< the user with the least weighted decayed usage here (FairShare)
  /// The same choice with the users' usage over the whole grid, as the
  /// central server counts it (docs/fairness.md; match.kind = central only).
  kFairGlobal,
};

struct Params {
  std::uint64_t salt = 0;                          ///< GUID hashing (per seed)
  Duration heartbeat = Duration::seconds(30);      ///< run node -> owner, per job
  std::uint32_t missed_heartbeats = 3;             ///< silent periods before a peer is presumed dead
  Duration client_timeout = Duration::seconds(150);  ///< client resubmits after this long without news
  std::uint32_t max_attempts = 4;                  ///< submissions per job before the client gives up
  Duration match_retry = Duration::seconds(10);    ///< owner retries a failed match after this
  /// The owner fails a job it has not placed this long after it began
  /// (re)matching it; the client resubmits a job still pending this long
  /// plus client_timeout after it submitted it.
  Duration match_deadline = Duration::seconds(1800);
  /// The owner gives up waiting for one matchmaking round after this and
  /// counts it as "nothing found" (a matchmaker that lost the request).
  Duration round_timeout = Duration::seconds(300);
  /// An owner remembers a finished or withdrawn job this long, refusing
  /// the heartbeats, handoffs and inserts that would start another copy.
  Duration forget_after = Duration::seconds(1800);
  /// A completed job's row is written this long after the client accepted
  /// the result, so duplicate results from false suspicions are counted.
  Duration record_delay = Duration::seconds(1800);
  QueuePolicy queue_policy = QueuePolicy::kFifo;
  Duration fair_half_life = Duration::seconds(3600);  ///< kFair, kFairGlobal: usage halves this often
  /// kFair, kFairGlobal: each user's weight (its share is proportional to
  /// it); null: every user weighs 1. Deployment data, like the plan.
  UserWeights user_weights;
  /// kFairGlobal: the peer that keeps every user's global usage (the
  /// central matchmaker's server).
  PeerId usage_server = PeerId::none();
  bool scale_by_cpu = false;                       ///< run time scaled by reference_cpu / node cpu
  std::uint32_t reference_cpu_mhz = 2000;
  std::shared_ptr<const JobPlan> plan;             ///< may be null: no jobs
  /// A peer's own capabilities (a function of its identity, as a real
  /// machine reads its own hardware). Never used to learn another peer's.
  std::function<Resources(PeerId)> capabilities_of;
  /// Runs the jobs of a live node; null in the emulator (a job is a timer).
  std::shared_ptr<Executor> executor;
};

/// How long a job of nominal run time `nominal` occupies a node with `cpu_mhz`
/// (scale_by_cpu). Integer arithmetic, the same on every host: ns * ref / cpu
/// computed as q * ref + r * ref / cpu with ns = q * cpu + r, which cannot
/// overflow for any run time below a year.
inline Duration run_time_on(const Params& params, std::uint32_t cpu_mhz, Duration nominal) {
  if (!params.scale_by_cpu || cpu_mhz == 0) return nominal;
  const std::int64_t cpu = cpu_mhz;
  const std::int64_t ref = params.reference_cpu_mhz;
  return Duration{(nominal.ns / cpu) * ref + (nominal.ns % cpu) * ref / cpu};
}

}  // namespace p2pgrid::grid
