#pragma once
// Runs a CAN scenario in-process on one rank (no MPI) and reads the trace
// back, plus an independent model of the zone snapshot: exact integer
// bounds recovered from the doubles, checked without the Zone class.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/overlay/can/probe_node.hpp"
#include "p2pgrid/overlay/can/probe_record.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"
#include "p2pgrid/sim/engine.hpp"
#include "p2pgrid/sim/exchanger.hpp"
#include "p2pgrid/sim/partition.hpp"

namespace p2pgrid::can::test {

struct RunOutput {
  std::vector<ZoneRecord> zones;
  std::vector<ProbeRecord> probes;
  EngineStats stats;
};

inline Scenario scenario(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  return Scenario::from_config(Config::parse(scenario_schema(), toml, "test.toml", overrides));
}

/// Runs on one rank; `inspect` sees the engine after the run (node state).
inline RunOutput run(const Scenario& s, const std::function<void(Engine&)>& inspect = {}) {
  const Deployment dep = s.deploy();
  const NetworkModel net(s.network, s.seed);
  const auto part = make_partition("block", s.peers, 1);
  LocalExchanger ex;
  MemoryTraceSink sink;
  EngineParams ep;
  ep.peers = s.peers;
  ep.seed = s.seed;
  ep.end = s.end;
  ep.start_time = dep.start_time;
  Engine engine(ep, net, s.faults, *part, ex, sink, dep.factory);
  if (dep.prepare) dep.prepare(engine);
  RunOutput out;
  out.stats = engine.run();
  if (inspect) inspect(engine);
  out.zones = sink.rows<ZoneRecord>();
  out.probes = sink.rows<ProbeRecord>();
  return out;
}

/// A zone as exact integers: [lo, hi) per dimension in units of 2^-32.
struct Box {
  std::uint32_t peer = 0;
  std::uint64_t lo[kMaxDims]{};
  std::uint64_t hi[kMaxDims]{};
};

inline std::uint64_t exact(double v) {
  const double scaled = std::ldexp(v, 32);
  const auto i = static_cast<std::uint64_t>(scaled);
  EXPECT_EQ(static_cast<double>(i), scaled) << v << " is not a multiple of 2^-32";
  return i;
}

inline std::vector<Box> boxes(const std::vector<ZoneRecord>& rows) {
  std::vector<Box> out;
  for (const auto& r : rows) {
    Box b;
    b.peer = r.peer;
    for (int d = 0; d < kMaxDims; ++d) {
      b.lo[d] = exact(r.lo[d]);
      b.hi[d] = exact(r.hi[d]);
    }
    out.push_back(b);
  }
  return out;
}

/// Exact tiling of [0, 2^32)^4: every box non-empty and inside, no two
/// boxes share interior points, and the volumes (as 128-bit integers in
/// units of 2^-128... scaled down by 2^-8 per dimension) sum to exactly 1.
inline void expect_exact_tiling(const std::vector<Box>& bs) {
  ASSERT_FALSE(bs.empty());
  // Volume in units of 2^-(4*30): widths are multiples of 2^2 once no zone
  // is thinner than 2^-30, which the tests' sizes guarantee; checked here.
  Uint128 total = 0;
  for (const Box& b : bs) {
    Uint128 v = 1;
    for (int d = 0; d < kMaxDims; ++d) {
      ASSERT_LT(b.lo[d], b.hi[d]);
      ASSERT_LE(b.hi[d], std::uint64_t{1} << 32U);
      const std::uint64_t w = b.hi[d] - b.lo[d];
      ASSERT_EQ(w % 4, 0U) << "zone thinner than 2^-30";
      v *= w / 4;
    }
    total += v;
  }
  const Uint128 one = Uint128{1} << 120U;
  EXPECT_TRUE(total == one) << "volumes sum to " << static_cast<double>(total) / static_cast<double>(one);
  std::size_t overlaps = 0;
  for (std::size_t i = 0; i < bs.size(); ++i) {
    for (std::size_t j = i + 1; j < bs.size(); ++j) {
      bool meet = true;
      for (int d = 0; d < kMaxDims && meet; ++d) meet = bs[i].lo[d] < bs[j].hi[d] && bs[j].lo[d] < bs[i].hi[d];
      if (meet) ++overlaps;
    }
  }
  EXPECT_EQ(overlaps, 0U);
}

/// The owner of the box holding the point (exact), or UINT32_MAX.
inline std::uint32_t owner_of(const std::vector<Box>& bs, const double (&p)[kMaxDims]) {
  std::uint64_t x[kMaxDims];
  for (int d = 0; d < kMaxDims; ++d) x[d] = exact(p[d]);
  for (const Box& b : bs) {
    bool in = true;
    for (int d = 0; d < kMaxDims && in; ++d) in = b.lo[d] <= x[d] && x[d] < b.hi[d];
    if (in) return b.peer;
  }
  return 0xFFFFFFFFU;
}

inline NodeProtocol<ProbeNode, Params>& protocol_of(Engine& e) {
  return dynamic_cast<NodeProtocol<ProbeNode, Params>&>(e.protocol());
}

}  // namespace p2pgrid::can::test
