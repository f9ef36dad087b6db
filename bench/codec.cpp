// Encoding and decoding a typical small message (header + 5 fields).

#include <benchmark/benchmark.h>

#include "p2pgrid/core/codec.hpp"

namespace p2pgrid {
namespace {

void BM_Encode(benchmark::State& state) {
  std::uint64_t i = 0;
  for (auto _ : state) {
    BufferWriter<64> w;
    w.header(ProtocolId::kChord, 3);
    w.u64(i++);
    w.peer(PeerId{static_cast<std::uint32_t>(i)});
    w.time(Time{static_cast<std::int64_t>(i)});
    w.u32(7);
    w.boolean(true);
    benchmark::DoNotOptimize(w.bytes().data());
  }
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Encode);

void BM_Decode(benchmark::State& state) {
  BufferWriter<64> w;
  w.header(ProtocolId::kChord, 3);
  w.u64(12345);
  w.peer(PeerId{9});
  w.time(Time{77});
  w.u32(7);
  w.boolean(true);
  const auto bytes = w.bytes();
  for (auto _ : state) {
    Reader r(bytes);
    r.header(ProtocolId::kChord);
    benchmark::DoNotOptimize(r.u64("key"));
    benchmark::DoNotOptimize(r.peer("origin"));
    benchmark::DoNotOptimize(r.time("sent"));
    benchmark::DoNotOptimize(r.u32("hops"));
    benchmark::DoNotOptimize(r.boolean("flag"));
    r.expect_end();
  }
  state.counters["msgs/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Decode);

}  // namespace
}  // namespace p2pgrid

BENCHMARK_MAIN();
