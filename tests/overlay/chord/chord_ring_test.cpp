// Whole-ring behaviour of the Chord protocol on the engine: join bootstrap,
// crash repair, graceful leave, churn and the oracle start, every result
// checked against the test's own model of the correct ring (TrueRing).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "local_run.hpp"
#include "p2pgrid/overlay/chord/records.hpp"
#include "true_ring.hpp"

namespace p2pgrid::chord::test {
namespace {

const std::string kBase = R"(
[run]
protocol = "chord"
seed = 11

[peers]
count = 1000

[network]
min_latency = "10ms"
max_latency = "100ms"

[chord]
stabilize = "1s"
fix_fingers = "500ms"
check_predecessor = "1s"
rpc_timeout = "500ms"
join_interval = "20ms"
)";

struct Outcome {
  std::vector<SnapshotRecord> snapshot;
  std::vector<LookupRecord> lookups;
  std::vector<std::uint32_t> alive;
};

Outcome run(const Scenario& s) {
  MemoryTraceSink sink;
  run_local(s, sink);
  Outcome o{sink.rows<SnapshotRecord>(), sink.rows<LookupRecord>(), {}};
  for (const auto& row : o.snapshot) {
    if (row.alive == 1) o.alive.push_back(row.peer);
  }
  return o;
}

/// Every live peer's successor and predecessor are its true neighbours.
void expect_consistent(const Outcome& o, const TrueRing& ring) {
  ASSERT_EQ(o.snapshot.size(), 1000U);
  std::size_t wrong = 0;
  for (const auto& row : o.snapshot) {
    if (row.alive == 0) continue;
    EXPECT_EQ(row.id, ring.id(row.peer));
    if (row.successor != ring.next(row.peer) || row.predecessor != ring.previous(row.peer)) ++wrong;
  }
  EXPECT_EQ(wrong, 0U) << "peers with a wrong successor or predecessor";
}

struct LookupCheck {
  std::size_t count = 0;
  std::size_t correct = 0;
  double mean_hops = 0;
  double mean_ideal_hops = 0;
  std::size_t hops_equal_ideal = 0;
};

LookupCheck check_lookups(const Outcome& o, const TrueRing& ring, Time from, std::uint32_t r) {
  LookupCheck c;
  for (const auto& l : o.lookups) {
    if (l.time_ns < from.ns) continue;
    ++c.count;
    if (l.outcome == LookupRecord::kOk && l.result == ring.successor(l.key)) ++c.correct;
    c.mean_hops += l.hops;
    const std::uint32_t ideal = ring.ideal_hops(l.origin, l.key, r);
    c.mean_ideal_hops += ideal;
    if (ideal == l.hops) ++c.hops_equal_ideal;
  }
  if (c.count > 0) {
    c.mean_hops /= static_cast<double>(c.count);
    c.mean_ideal_hops /= static_cast<double>(c.count);
  }
  std::printf("  %zu lookups from t=%.0fs: %zu correct, mean hops %.3f (perfect tables %.3f; 0.5 log2 N = %.3f)\n",
              c.count, from.to_seconds(), c.correct, c.mean_hops, c.mean_ideal_hops,
              0.5 * std::log2(static_cast<double>(ring.size())));
  return c;
}

TEST(ChordRing, JoinBootstrapGivesConsistentRingAndCorrectLookups) {
  // 1,000 peers join 20 ms apart through the protocol (20 s), then 100 s of
  // maintenance; probes (100/s overall) from 90 s on.
  const Scenario s = scenario_of(kBase, {"run.duration=\"120s\"", "chord.probe_rate=100", "chord.probe_start=\"90s\""});
  const Outcome o = run(s);
  ASSERT_EQ(o.alive.size(), 1000U);
  const TrueRing ring(o.alive, s.seed);
  expect_consistent(o, ring);
  const LookupCheck c = check_lookups(o, ring, Time{Duration::seconds(90).ns}, 8);
  EXPECT_GT(c.count, 2500U);
  EXPECT_EQ(c.correct, c.count) << "every probe after stabilisation must find the true successor";
  // (1/2) log2 N hops on average (ToN 2003, section V-C); and the routes
  // are exactly those of perfect finger tables, computed independently.
  const double half_log = 0.5 * std::log2(1000.0);
  EXPECT_NEAR(c.mean_hops, half_log, 0.75) << "mean hops " << c.mean_hops;
  EXPECT_EQ(c.hops_equal_ideal, c.count) << "mean hops " << c.mean_hops << ", ideal " << c.mean_ideal_hops;
}

TEST(ChordRing, RepairsAfterTwentyPercentCrash) {
  // Joined and stable by 90 s; 20% crash at 90 s; probes from 120 s.
  const Scenario s = scenario_of(kBase + R"(
[[faults]]
at = "90s"
action = "crash"
fraction = 0.2
)",
                                 {"run.duration=\"150s\"", "chord.probe_rate=100", "chord.probe_start=\"120s\""});
  const Outcome o = run(s);
  ASSERT_EQ(o.alive.size(), 800U);
  const TrueRing ring(o.alive, s.seed);
  expect_consistent(o, ring);
  const LookupCheck c = check_lookups(o, ring, Time{Duration::seconds(120).ns}, 8);
  EXPECT_GT(c.count, 1500U);
  EXPECT_EQ(c.correct, c.count);
  EXPECT_NEAR(c.mean_hops, 0.5 * std::log2(800.0), 0.75) << "mean hops " << c.mean_hops;
}

TEST(ChordRing, GracefulLeaveAndRejoin) {
  // 10% leave gracefully at 60 s and come back 20 s later through the
  // protocol; 5% crash at 70 s for good.
  const Scenario s = scenario_of(kBase + R"(
[[faults]]
at = "60s"
action = "leave"
fraction = 0.1
restart_after = "20s"

[[faults]]
at = "70s"
action = "crash"
fraction = 0.05
)",
                                 {"run.duration=\"140s\"", "chord.probe_rate=100", "chord.probe_start=\"120s\""});
  const Outcome o = run(s);
  const TrueRing ring(o.alive, s.seed);
  EXPECT_GT(o.alive.size(), 940U);
  expect_consistent(o, ring);
  const LookupCheck c = check_lookups(o, ring, Time{Duration::seconds(120).ns}, 8);
  EXPECT_GT(c.count, 1000U);
  EXPECT_EQ(c.correct, c.count);
}

TEST(ChordRing, OracleStartIsCorrectAtOnce) {
  // Oracle state at time 0, probes from the start: correct from the first
  // lookup, and every route is the perfect-table route.
  const Scenario s = scenario_of(kBase, {"chord.bootstrap=\"oracle\"", "run.duration=\"20s\"", "chord.probe_rate=200",
                                         "chord.successors=4"});
  const Outcome o = run(s);
  ASSERT_EQ(o.alive.size(), 1000U);
  const TrueRing ring(o.alive, s.seed);
  expect_consistent(o, ring);
  const LookupCheck c = check_lookups(o, ring, Time::zero(), 4);
  EXPECT_GT(c.count, 3000U);
  EXPECT_EQ(c.correct, c.count);
  EXPECT_EQ(c.hops_equal_ideal, c.count);
}

TEST(ChordRing, ChurnKeepsMostLookupsAnswered) {
  // Exponential sessions (mean 300 s) and down times (mean 60 s) from 40 s
  // on, restarted peers rejoining through the protocol: some lookups run
  // into freshly dead peers and exhaust their timeouts, but nearly all are
  // answered.
  const Scenario s = scenario_of(kBase + R"(
[churn]
model = "exponential"
start = "40s"
session_mean = "300s"
down_mean = "60s"
)",
                                 {"run.duration=\"160s\"", "chord.probe_rate=50", "chord.probe_start=\"40s\""});
  const Outcome o = run(s);
  std::size_t answered = 0;
  for (const auto& l : o.lookups) answered += l.outcome == LookupRecord::kOk ? 1 : 0;
  ASSERT_GT(o.lookups.size(), 4000U);
  // Under churn some lookups time out; nearly all must still be answered.
  EXPECT_GT(static_cast<double>(answered), 0.95 * static_cast<double>(o.lookups.size()));
}

}  // namespace
}  // namespace p2pgrid::chord::test
