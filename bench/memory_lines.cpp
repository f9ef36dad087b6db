// What one random cache line costs on this machine, the floor under the
// large runs' events/s: a million peers' state (about 1 GB) is read at
// random, one handful of lines per event. The arrays come from
// HugePageAllocator, as the engine's and the peers' do.
//
// BM_DependentLine: each load's address is the previous load's value (a
// random cycle through every line), so nothing overlaps: the latency.
// BM_IndependentLine: addresses from a generator, so the core keeps as many
// misses in flight as it can: the throughput of random lines.
// BM_IndependentLinePrefetched: the same, each line asked for by a prefetch
// kDistance loads ahead, as the engine's dispatch loop does.
// BM_LoadAfterWork: serial loads between stretches of work, without a
// prefetch and with one 4 or 16 iterations ahead.
// BM_SpreadLine: lines few enough to stay in the cache, spread over a large
// region, on huge pages or small: what is left of a load's cost is
// translating its address.

#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <numeric>
#include <utility>
#include <vector>

#include "p2pgrid/core/huge_page_allocator.hpp"
#include "p2pgrid/core/prefetch.hpp"
#include "p2pgrid/core/rng.hpp"

namespace p2pgrid {
namespace {

constexpr std::size_t kWordsPerLine = kCacheLine / sizeof(std::uint64_t);

/// One word per line holds the index of the next line of a random cycle
/// through all of them. Built once per size: Google Benchmark calls a
/// benchmark several times, and a gigabyte's cycle takes seconds.
const HugeVector<std::uint64_t>& random_cycle(std::size_t lines) {
  static std::map<std::size_t, HugeVector<std::uint64_t>> built;
  auto [it, added] = built.try_emplace(lines);
  if (added) {
    std::vector<std::uint32_t> order(lines);
    std::iota(order.begin(), order.end(), 0U);
    Rng rng(1);
    std::shuffle(order.begin(), order.end(), rng);
    it->second.assign(lines * kWordsPerLine, 0);
    for (std::size_t i = 0; i < lines; ++i) it->second[order[i] * kWordsPerLine] = order[(i + 1) % lines];
  }
  return it->second;
}

/// A power of two, so a random line is a mask away.
std::size_t lines_of(const benchmark::State& state) {
  return std::bit_ceil(static_cast<std::size_t>(state.range(0)) * (std::size_t{1} << 20U) / kCacheLine);
}

void BM_DependentLine(benchmark::State& state) {
  const HugeVector<std::uint64_t>& words = random_cycle(lines_of(state));
  std::uint64_t line = 0;
  for (auto _ : state) {
    line = words[line * kWordsPerLine];
    benchmark::DoNotOptimize(line);
  }
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_IndependentLine(benchmark::State& state) {
  const std::size_t lines = lines_of(state);
  const HugeVector<std::uint64_t>& words = random_cycle(lines);
  Rng x(2);  // addresses without a load
  std::uint64_t sum = 0;
  for (auto _ : state) {
    sum += words[(x() & (lines - 1)) * kWordsPerLine];
    benchmark::DoNotOptimize(sum);
  }
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_IndependentLinePrefetched(benchmark::State& state) {
  constexpr std::size_t kDistance = 16;
  const std::size_t lines = lines_of(state);
  const HugeVector<std::uint64_t>& words = random_cycle(lines);
  Rng ahead(2);  // the same sequence as x, kDistance draws earlier
  Rng x(2);
  for (std::size_t i = 0; i < kDistance; ++i) prefetch_bytes(&words[(ahead() & (lines - 1)) * kWordsPerLine], 1);
  std::uint64_t sum = 0;
  for (auto _ : state) {
    prefetch_bytes(&words[(ahead() & (lines - 1)) * kWordsPerLine], 1);
    sum += words[(x() & (lines - 1)) * kWordsPerLine];
    benchmark::DoNotOptimize(sum);
  }
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// Loads one after another (each address waits for the previous load),
/// each followed by some 120 ns of arithmetic, as an event's handler
/// follows its loads; with range(1) = k > 0 every line is prefetched k
/// iterations ahead. The difference is what the lead time hides; what no
/// lead hides is the floor a prefetching dispatch loop cannot go under.
void BM_LoadAfterWork(benchmark::State& state) {
  constexpr int kWork = 100;
  const std::size_t lines = lines_of(state);
  const auto k_ahead = static_cast<int>(state.range(1));
  const bool prefetch = k_ahead > 0;
  const HugeVector<std::uint64_t>& words = random_cycle(lines);
  Rng ahead(2);  // the same sequence as x, k_ahead draws earlier
  Rng x(2);
  std::uint64_t zero = 0;
  benchmark::DoNotOptimize(zero);
  for (int i = 0; i < k_ahead; ++i) prefetch_bytes(&words[(ahead() & (lines - 1)) * kWordsPerLine], 1);
  std::uint64_t value = 0;
  std::uint64_t work = 1;
  for (auto _ : state) {
    const std::uint64_t next = ahead() & (lines - 1);
    if (prefetch) prefetch_bytes(&words[next * kWordsPerLine], 1);
    value = words[((x() & (lines - 1)) * kWordsPerLine) + (value & zero)];
    work += value & zero;
    for (int k = 0; k < kWork; ++k) {
      work = work * 6364136223846793005ULL + 1442695040888963407ULL;
      benchmark::DoNotOptimize(work);
    }
    value += work & zero;
  }
  state.counters["loads/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

/// kSpreadLines lines, line i somewhere in the i-th block of `spread`
/// bytes, a word of each holding the byte offset of the next line of a
/// random cycle, so the timed loop is a bare pointer chase as in
/// BM_DependentLine. On huge pages (as HugePageAllocator maps them) or kept
/// on small ones with MADV_NOHUGEPAGE. Built once per layout and never
/// unmapped: Google Benchmark calls a benchmark several times.
constexpr std::size_t kSpreadLines = std::size_t{1} << 15U;  // 2 MiB of lines

std::byte* spread_cycle(std::size_t spread, bool huge) {
  static std::map<std::pair<std::size_t, bool>, std::byte*> built;
  auto [it, added] = built.try_emplace({spread, huge}, nullptr);
  if (added) {
    const std::size_t bytes = kSpreadLines * spread;
    void* block = nullptr;
    if (huge) {
      block = map_huge_aligned(bytes);
    } else {
      block = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (block == MAP_FAILED) throw std::bad_alloc();
      ::madvise(block, bytes, MADV_NOHUGEPAGE);
    }
    it->second = static_cast<std::byte*>(block);
    // Line i sits at a line of its block chosen by a multiplicative hash, so
    // the lines do not all share one page offset (which would crowd them
    // into a few cache sets).
    const std::uint64_t lines_per_block = spread / kCacheLine;
    auto offset = [&](std::uint64_t i) {
      return (i * spread) + ((((i * 0x9E3779B97F4A7C15ULL) >> 40U) % lines_per_block) * kCacheLine);
    };
    std::vector<std::uint32_t> order(kSpreadLines);
    std::iota(order.begin(), order.end(), 0U);
    Rng rng(1);
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t i = 0; i < kSpreadLines; ++i) {
      std::uint64_t next = offset(order[(i + 1) % kSpreadLines]);
      std::memcpy(it->second + offset(order[i]), &next, sizeof next);
    }
  }
  return it->second;
}

/// range(0): bytes between lines (64 = packed, 2 MiB in all; 32768 = one
/// line in 32 KiB, 1 GiB in all); range(1): 1 for huge pages, 0 for small.
void BM_SpreadLine(benchmark::State& state) {
  const std::byte* base = spread_cycle(static_cast<std::size_t>(state.range(0)), state.range(1) != 0);
  std::uint64_t offset = 0;
  for (auto _ : state) {
    std::memcpy(&offset, base + offset, sizeof offset);
    benchmark::DoNotOptimize(offset);
  }
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// MiB of lines: within the last-level cache, past it, and a million grid
// peers' structs (944 MB).
BENCHMARK(BM_DependentLine)->Arg(8)->Arg(64)->Arg(1024);
BENCHMARK(BM_IndependentLine)->Arg(8)->Arg(64)->Arg(1024);
BENCHMARK(BM_IndependentLinePrefetched)->Arg(8)->Arg(64)->Arg(1024);
BENCHMARK(BM_LoadAfterWork)->ArgsProduct({{64, 1024}, {0, 4, 16}});
// Packed, then one line per 4 KiB page (128 MiB), then per 32 KiB (1 GiB).
BENCHMARK(BM_SpreadLine)->ArgsProduct({{64, 4096, 32768}, {1, 0}});

}  // namespace
}  // namespace p2pgrid

BENCHMARK_MAIN();
