// Event queue push/pop at steady state: the queue holds `size` events and
// each iteration pops the earliest and pushes a later one (the hold model).

#include <benchmark/benchmark.h>

#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/sim/event_queue.hpp"

namespace p2pgrid {
namespace {

void BM_EventQueueHold(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  EventQueue q;
  q.reserve(size + 1);
  Rng rng(1);
  for (std::size_t i = 0; i < size; ++i) {
    q.push({static_cast<std::int64_t>(rng.below(100'000'000)), i, static_cast<std::uint32_t>(rng.below(1 << 20)), 0, 0});
  }
  std::uint64_t seq = size;
  for (auto _ : state) {
    const EventKey e = q.pop();
    q.push({e.time + 10'000'000 + static_cast<std::int64_t>(rng.below(90'000'000)), seq++, e.src, e.slot, e.dst});
  }
  state.counters["ops/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EventQueueHold)->Arg(1 << 10)->Arg(1 << 17)->Arg(1 << 20);

}  // namespace
}  // namespace p2pgrid

BENCHMARK_MAIN();
