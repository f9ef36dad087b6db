// CAN microbenchmarks: the greedy next-hop decision from a real neighbour
// table (oracle space of 100,000 peers, d = 4), the update codec, and the
// protocol state per peer after an oracle bootstrap.
//   p2pgrid_bench_can_routing --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/can/messages.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/probe_node.hpp"

namespace {

using namespace p2pgrid;
using namespace p2pgrid::can;

constexpr std::uint32_t kPeers = 100'000;

Params params() {
  Params p;
  p.peers = kPeers;
  p.seed = 1;
  return p;
}

/// Neighbour tables of the first 1,000 peers of a 100,000-peer oracle space.
const std::vector<NeighbourTable>& tables() {
  static const std::vector<NeighbourTable> t = [] {
    ShardPeers shard;
    for (std::uint32_t i = 0; i < 1000; ++i) shard.peers.push_back(PeerId{i * 97});
    std::vector<NeighbourTable> out(shard.peers.size());
    oracle_bootstrap(params(), shard, [&](std::size_t slot, std::vector<Zone>, NeighbourTable table) {
      out[slot] = std::move(table);
    });
    return out;
  }();
  return t;
}

void BM_CanNextHop(benchmark::State& state) {
  const auto& all = tables();
  Rng rng(3);
  std::array<Point, 1024> targets{};
  for (Point& p : targets) {
    for (auto& x : p.x) x = static_cast<std::uint32_t>(rng() >> 32U);
  }
  std::size_t i = 0;
  std::size_t neighbours = 0;
  for (const auto& t : all) neighbours += t.size();
  for (auto _ : state) {
    const NeighbourTable& t = all[i % all.size()];
    benchmark::DoNotOptimize(t.next_hop(targets[i & 1023U], Time::zero()));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["neighbours"] = static_cast<double>(neighbours) / static_cast<double>(all.size());
}
BENCHMARK(BM_CanNextHop);

void BM_CanUpdateCodec(benchmark::State& state) {
  // A typical update: one zone and a dozen neighbour entries.
  UpdateMsg m;
  m.zones.push_back(Zone{}.split(4).first);
  for (std::uint32_t k = 0; k < 12; ++k) m.entries.push_back(Entry{PeerId{k}, Point{}, 100, PeerId{k + 1}, Zone{}.split(4).second});
  Message out;
  std::size_t bytes = 0;
  for (auto _ : state) {
    BufferWriter<kMaxMessageBytes> w;
    const auto b = encode(w, 4, m);
    decode(b, 4, out);
    bytes = b.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_CanUpdateCodec);

void BM_CanOracleStatePerPeer(benchmark::State& state) {
  // Protocol state per peer: the node object plus its heap (zones and
  // neighbour table), averaged over an oracle-bootstrapped shard.
  const auto n = static_cast<std::uint32_t>(state.range(0));
  Params p = params();
  p.peers = n;
  double per_peer = 0;
  for (auto _ : state) {
    ShardPeers shard;
    for (std::uint32_t i = 0; i < n; ++i) shard.peers.push_back(PeerId{i});
    NodeProtocol<ProbeNode, Params> proto(shard, p);
    oracle_bootstrap(proto.params(), shard, [&](std::size_t slot, std::vector<Zone> zones, NeighbourTable table) {
      proto.nodes()[slot].overlay().oracle_install(std::move(zones), std::move(table));
    });
    std::size_t heap = 0;
    for (const auto& node : proto.nodes()) heap += node.overlay().heap_bytes();
    per_peer = static_cast<double>(sizeof(ProbeNode)) + static_cast<double>(heap) / n;
  }
  state.counters["bytes_per_peer"] = per_peer;
  state.counters["node_object"] = static_cast<double>(sizeof(ProbeNode));
}
BENCHMARK(BM_CanOracleStatePerPeer)->Arg(100'000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
