// CAN matchmaking decision cost per job, at 1,000 and 100,000 peers. A
// static space from the oracle bootstrap (mixed machines, d = 3 + 1), each
// neighbour table carrying the neighbours' queues (random, 0..5) and each
// peer its exact line aggregates (computed through the split tree). Each
// iteration matches one job as CanMatch does, without the network: the
// owner of the job's point decides (candidates, and for can-push the push
// test on its designated uppers); a Forward or push moves the decision to
// the next peer's table. Counters: candidates seen, Forwards and pushes
// (messages besides the Result) per job.
//   p2pgrid_bench_match_can --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/match/can_match_candidates.hpp"
#include "p2pgrid/match/can_push_aggregates.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/split_tree.hpp"

namespace {

using namespace p2pgrid;
using namespace p2pgrid::match;

constexpr std::uint64_t kSeed = 3;

struct Space {
  can::Params params;
  std::vector<can::Zone> zone;
  std::vector<can::NeighbourTable> table;
  std::vector<grid::Resources> caps;
  std::vector<std::uint32_t> queue;
  std::vector<std::array<LineAggregate, 3>> line;
  std::unique_ptr<can::SplitTree> tree;
  double neighbours = 0;
};

const Space& space(std::uint32_t n) {
  static std::map<std::uint32_t, std::unique_ptr<Space>> cache;
  auto& slot = cache[n];
  if (slot) return *slot;
  slot = std::make_unique<Space>();
  Space& s = *slot;
  s.params.seed = kSeed;
  s.params.peers = n;
  s.zone.resize(n);
  s.table.resize(n);
  s.caps.resize(n);
  s.queue.resize(n);
  Rng rng(7);
  ShardPeers shard;
  std::vector<can::Point> points(n);
  for (std::uint32_t p = 0; p < n; ++p) {
    shard.peers.push_back(PeerId{p});
    s.caps[p] = can::capabilities_of(s.params.capabilities, kSeed, PeerId{p}).value;
    s.queue[p] = static_cast<std::uint32_t>(rng.below(6));
    points[p] = can::point_of(s.params.capabilities, kSeed, PeerId{p}, 3, true);
  }
  can::oracle_bootstrap(s.params, shard, [&](std::size_t i, std::vector<can::Zone> zones, can::NeighbourTable t) {
    s.zone[i] = zones.front();
    s.table[i] = std::move(t);
  });
  for (std::uint32_t p = 0; p < n; ++p) {
    const std::vector<can::Neighbour> nb(s.table[p].neighbours().begin(), s.table[p].neighbours().end());
    for (const can::Neighbour& x : nb) s.table[p].touch(x.id, s.queue[x.id.value], Time::zero());
    s.neighbours += static_cast<double>(nb.size()) / n;
  }
  s.tree = std::make_unique<can::SplitTree>(4, PeerId{0}, s.params.join_rule, s.params.virtual_index());
  for (std::uint32_t p = 1; p < n; ++p) s.tree->insert(PeerId{p}, points[p], points[s.tree->owner_at(points[p]).value]);
  // Line aggregates, exact: memoised recursion up each peer's designated uppers.
  s.line.assign(n, {});
  std::vector<std::array<bool, 3>> done(n, {false, false, false});
  for (int d = 0; d < 3; ++d) {
    const auto di = static_cast<std::size_t>(d);
    for (std::uint32_t p = 0; p < n; ++p) {
      std::vector<std::uint32_t> chain;
      for (std::uint32_t at = p; !done[at][di];) {
        chain.push_back(at);
        can::Point probe;
        if (!upper_probe_point(s.zone[at], d, 4, probe)) break;
        at = s.tree->owner_at(probe).value;
      }
      for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        can::Point probe;
        LineAggregate above;
        if (upper_probe_point(s.zone[*it], d, 4, probe)) above = s.line[s.tree->owner_at(probe).value][di];
        s.line[*it][di] = extend_line(above, s.queue[*it]);
        done[*it][di] = true;
      }
    }
  }
  return s;
}

grid::Resources job(Rng& rng, const Space& s, double p) {
  const grid::Resources& ref = s.caps[rng.below(s.caps.size())];
  grid::Resources r{};
  const can::CapabilityModel& model = s.params.capabilities;
  for (std::size_t i = 0; i < grid::kResources; ++i) {
    if (rng.chance(p)) r[i] = static_cast<std::uint32_t>(model.min[i] + rng.below(ref[i] - model.min[i] + 1));
  }
  return r;
}

void BM_CanMatch(benchmark::State& state) {
  const auto n = static_cast<std::uint32_t>(state.range(0));
  const double constrained = static_cast<double>(state.range(1)) / 10.0;
  const bool push = state.range(2) != 0;
  const Space& s = space(n);
  const can::CapabilityModel& model = s.params.capabilities;
  const CanAssignments none;
  Rng rng(99);
  std::uint64_t jobs = 0, candidates = 0, forwards = 0, pushes = 0, matched = 0;
  for (auto _ : state) {
    const grid::Resources req = job(rng, s, constrained);
    const can::Point at = can_job_point(model, req, rng(), 3, true);
    PeerId decider = s.tree->owner_at(at);
    const CanRequirement q = can_requirement(model, req);
    std::uint32_t fw = 0, ps = 0;
    PeerId winner = PeerId::none();
    while (true) {
      const std::uint32_t self = decider.value;
      const CanLocalView view{decider, grid::satisfies(s.caps[self], req), s.queue[self], s.table[self].neighbours(),
                              Time::zero(), 3};
      const CanChoice c = choose_can(view, q.point, none);
      candidates += c.candidates;
      if (push && c.winner.valid() && ps < 12) {
        std::array<PushOption, 3> o{};
        for (int d = 0; d < 3; ++d) {
          auto& opt = o[static_cast<std::size_t>(d)];
          opt.upper = upper_in(s.zone[self], d, 4, s.table[self], Time::zero());
          if (!opt.upper.valid()) continue;
          opt.capable = dominates(s.table[self].find(opt.upper)->point, q.point, 3);
          opt.line = s.line[opt.upper.value][static_cast<std::size_t>(d)];
        }
        const PushDecision to = decide_push(o, c.load, 1.0);
        if (to.to.valid()) {
          ++ps;
          decider = to.to;
          continue;
        }
      }
      if (c.winner.valid()) {
        winner = c.winner;
        break;
      }
      if (fw >= 8) break;
      const PeerId next = can_forward_target(std::span(&s.zone[self], 1), s.table[self], q.point, Time::zero(), 3);
      if (!next.valid()) break;
      ++fw;
      decider = next;
    }
    benchmark::DoNotOptimize(winner);
    matched += winner.valid() ? 1 : 0;
    forwards += fw;
    pushes += ps;
    ++jobs;
  }
  const auto per_job = [&](std::uint64_t v) { return static_cast<double>(v) / static_cast<double>(jobs); };
  state.SetItemsProcessed(state.iterations());
  state.counters["candidates"] = per_job(candidates);
  state.counters["forwards"] = per_job(forwards);
  state.counters["pushes"] = per_job(pushes);
  state.counters["matched"] = per_job(matched);
  state.counters["neighbours"] = s.neighbours;
}
// peers, constrained probability x10, push
BENCHMARK(BM_CanMatch)
    ->ArgNames({"peers", "constrained_x10", "push"})
    ->Args({1000, 4, 0})
    ->Args({1000, 8, 0})
    ->Args({1000, 4, 1})
    ->Args({1000, 8, 1})
    ->Args({100000, 4, 0})
    ->Args({100000, 8, 0})
    ->Args({100000, 4, 1})
    ->Args({100000, 8, 1});

}  // namespace

BENCHMARK_MAIN();
