// RN-Tree matchmaking decision cost per job, at 1,000 and 100,000 peers.
// A static tree is built from correct Chord state (ORACLE ring): parents by
// the protocol's own rule, children tables filled with exact subtree
// summaries of the binding's mixed capabilities and random queue lengths.
// Each iteration matches one job from a random owner: the origin's
// RnTreeSearch fed by every visited node's own pruning answer (the work
// each node does for an Explore), without the network. Counters: nodes
// asked and messages per job (a request and a reply per node asked).
//   p2pgrid_bench_match_rntree --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <array>
#include <map>
#include <memory>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/rntree_messages.hpp"
#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/match/rntree_search.hpp"
#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"

namespace {

using namespace p2pgrid;
using namespace p2pgrid::match;

constexpr std::uint64_t kSeed = 3;

struct Tree {
  std::vector<PeerId> parent;
  std::vector<grid::Resources> caps;
  std::vector<std::uint32_t> queue;
  std::vector<RnTreeChildren> children;
  std::size_t max_children = 0;
  std::uint32_t height = 0;
};

const Tree& tree(std::uint32_t n) {
  static std::map<std::uint32_t, std::unique_ptr<Tree>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<Tree>();
  Tree& t = *slot;
  chord::Params params;
  params.peers = n;
  params.salt = kSeed;
  const chord::OracleRing ring(n, kSeed);
  t.parent.resize(n);
  t.caps.resize(n);
  t.queue.resize(n);
  t.children.resize(n);
  const can::CapabilityModel model;
  Rng rng(kSeed);
  for (std::uint32_t p = 0; p < n; ++p) {
    chord::Node node(PeerId{p}, params);
    node.oracle_bootstrap(ring);
    t.parent[p] = choose_parent(node);
    t.caps[p] = can::capabilities_of(model, kSeed, PeerId{p}).value;
    t.queue[p] = static_cast<std::uint32_t>(rng.below(3));
  }
  // A parent's id is larger than its children's (it lies closer before key
  // 0), so ascending ring order aggregates every child before its parent.
  std::vector<SubtreeSummary> sub(n);
  for (std::size_t at = 0; at < n; ++at) {
    const PeerId p = ring.peer_at(at);
    sub[p.value] = t.children[p.value].aggregate(t.caps[p.value], t.queue[p.value]);
    if (t.parent[p.value].valid()) t.children[t.parent[p.value].value].heard(p, sub[p.value], Time{0});
  }
  for (std::uint32_t p = 0; p < n; ++p) {
    t.max_children = std::max(t.max_children, t.children[p].size());
    std::uint32_t h = 0;
    for (PeerId a = t.parent[p]; a.valid(); a = t.parent[a.value]) ++h;
    t.height = std::max(t.height, h);
  }
  return t;
}

/// A job like the workload's: each resource constrained with probability
/// `p`, at a level a reference node can meet.
grid::Resources job(Rng& rng, const Tree& t, double p) {
  const grid::Resources& ref = t.caps[rng.below(t.caps.size())];
  grid::Resources r{};
  const can::CapabilityModel model;
  for (std::size_t i = 0; i < grid::kResources; ++i) {
    if (rng.chance(p)) r[i] = static_cast<std::uint32_t>(model.min[i] + rng.below(ref[i] - model.min[i] + 1));
  }
  return r;
}

void BM_RnTreeMatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const double constrained = static_cast<double>(state.range(1)) / 10.0;
  const auto k = static_cast<std::uint32_t>(state.range(2));
  const Tree& t = tree(n);
  Rng rng(99);
  RnTreeSearch search;
  std::array<ChildRef, rntree::kMaxReplyChildren> buffer{};
  std::uint64_t visits = 0, jobs = 0, matched = 0;
  for (auto _ : state) {
    const grid::Resources req = job(rng, t, constrained);
    const auto origin = static_cast<std::uint32_t>(rng.below(n));
    search.begin(req, k, 256);
    const auto report = [&](std::uint32_t node, PeerId exclude) {
      const std::size_t c = t.children[node].capable(req, exclude, buffer);
      return NodeReport{PeerId{node}, t.caps[node], t.queue[node], t.parent[node], {buffer.data(), c}};
    };
    RnTreeSearch::Step step = search.start(report(origin, PeerId::none()));
    while (!step.done()) step = search.on_report(report(step.ask.value, step.exclude));
    benchmark::DoNotOptimize(search.winner());
    visits += search.visits();
    matched += search.winner().valid() ? 1 : 0;
    ++jobs;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["nodes_asked"] = static_cast<double>(visits) / static_cast<double>(jobs);
  state.counters["messages"] = 2.0 * static_cast<double>(visits) / static_cast<double>(jobs);
  state.counters["matched"] = static_cast<double>(matched) / static_cast<double>(jobs);
  state.counters["height"] = t.height;
  state.counters["max_children"] = static_cast<double>(t.max_children);
}
// peers, constrained probability x10, k
BENCHMARK(BM_RnTreeMatch)
    ->ArgNames({"peers", "constrained_x10", "k"})
    ->Args({1000, 4, 1})
    ->Args({1000, 4, 4})
    ->Args({1000, 8, 4})
    ->Args({100000, 4, 1})
    ->Args({100000, 4, 4})
    ->Args({100000, 8, 4})
    ->Args({100000, 8, 16});

}  // namespace

BENCHMARK_MAIN();
