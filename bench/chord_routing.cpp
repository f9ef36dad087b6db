// Chord routing microbenchmarks: the next-hop decision from a finger table,
// and a whole greedy lookup in a static 1,000,000-peer ring.
//   p2pgrid_bench_chord_routing --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/chord/finger_table.hpp"
#include "p2pgrid/overlay/chord/messages.hpp"
#include "p2pgrid/overlay/chord/node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"

namespace {

using namespace p2pgrid;
using namespace p2pgrid::chord;

constexpr std::uint64_t kSalt = 1;
constexpr std::uint32_t kPeers = 1'000'000;

const OracleRing& ring() {
  static const OracleRing r(kPeers, kSalt);
  return r;
}

/// The correct finger table of the peer at ring position `at`.
FingerTable fingers_at(std::size_t at) {
  const OracleRing& r = ring();
  FingerTable t;
  for (unsigned i = 0; i < FingerTable::kSize; ++i) t.set(i, r.successor(finger_start(r.id_at(at), i)));
  return t;
}

void BM_FingerNextHop(benchmark::State& state) {
  const FingerTable table = fingers_at(12345);
  const RingId self = ring().id_at(12345);
  Rng rng(9);
  std::array<RingId, 1024> keys{};
  for (RingId& k : keys) k = rng();
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.closest_preceding(self, keys[i++ & 1023U], kSalt));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FingerNextHop);

void BM_NodeNextHop(benchmark::State& state) {
  // Node::next_hop: successor test, fingers and the successor list (r = 8).
  Params params;
  params.peers = kPeers;
  params.salt = kSalt;
  Node node(ring().peer_at(777), params);
  node.oracle_bootstrap(ring());
  Rng rng(10);
  std::array<RingId, 1024> keys{};
  for (RingId& k : keys) k = rng();
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(node.next_hop(keys[i++ & 1023U]));
  state.SetItemsProcessed(state.iterations());
  state.counters["node_bytes"] = static_cast<double>(sizeof(Node));
}
BENCHMARK(BM_NodeNextHop);

void BM_StaticRingLookup1M(benchmark::State& state) {
  // Greedy routing from a random peer to a random key's predecessor using
  // each visited peer's own finger table (built when first visited and
  // kept, as the peers would hold them), then the answer is its successor.
  const OracleRing& r = ring();
  static std::vector<std::unique_ptr<FingerTable>> tables(kPeers);
  const auto table = [&](std::size_t at) -> const FingerTable& {
    if (!tables[at]) tables[at] = std::make_unique<FingerTable>(fingers_at(at));
    return *tables[at];
  };
  std::vector<std::size_t> position(kPeers);
  for (std::size_t i = 0; i < kPeers; ++i) position[r.peer_at(i).value] = i;
  Rng rng(11);
  std::uint64_t hops = 0;
  std::uint64_t wrong = 0;
  const auto one = [&] {
    std::size_t at = rng.below(kPeers);
    const RingId key = rng();
    for (;;) {
      const RingId self = r.id_at(at);
      const std::size_t next = (at + 1) % kPeers;
      if (in_half_open(key, self, r.id_at(next))) {
        wrong += r.peer_at(next) != r.successor(key) ? 1 : 0;
        return;
      }
      const PeerId hop = table(at).closest_preceding(self, key, kSalt);
      at = hop.valid() ? position[hop.value] : next;
      ++hops;
    }
  };
  for (int i = 0; i < 20000; ++i) one();  // warm the tables of the busiest peers
  hops = 0;
  for (auto _ : state) one();
  state.SetItemsProcessed(state.iterations());
  state.counters["hops"] = benchmark::Counter(static_cast<double>(hops) / static_cast<double>(state.iterations()));
  state.counters["wrong"] = static_cast<double>(wrong);
}
BENCHMARK(BM_StaticRingLookup1M);

void BM_CodecFindNextRoundTrip(benchmark::State& state) {
  std::array<std::byte, kMaxMessageSize> buf{};
  std::uint64_t key = 0;
  for (auto _ : state) {
    const auto bytes = encode(FindNext{7, ++key, PeerId::none()}, buf);
    benchmark::DoNotOptimize(decode(bytes, kPeers));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CodecFindNextRoundTrip);

}  // namespace

BENCHMARK_MAIN();
