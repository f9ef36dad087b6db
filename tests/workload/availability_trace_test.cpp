// The FTA event_trace reader and its fault-plan mapping on small tables
// written here: a clean table, the tolerated quirks, node-to-peer mappings
// with warm-up, origin, scale, exemption and clipping, and the exact message
// for each malformed row. Expected events are worked out by hand.

#include "p2pgrid/workload/availability_trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "p2pgrid/workload/trace_line.hpp"
#include "workload/temp_dir.hpp"

namespace p2pgrid::workload {
namespace {

constexpr std::int64_t kMs = 1'000'000;  // ns per ms
constexpr std::int64_t kS = 1'000'000'000;
constexpr auto kCrash = FaultAction::kCrash;
constexpr auto kRestart = FaultAction::kRestart;

AvailabilityTrace parse(const std::string& text) {
  std::istringstream in(text);
  return read_availability(in, "up.tsv");
}

using Event = std::tuple<std::int64_t, std::uint32_t, FaultAction>;
/// The plan's events in (time, peer, action) order, as FaultPlan::normalize sorts them.
std::vector<Event> events_of(const FaultPlan& plan) {
  std::vector<Event> out;
  for (const FaultEvent& e : plan.events) out.emplace_back(e.at.ns, e.peer.value, e.action);
  std::sort(out.begin(), out.end());
  return out;
}

const std::string kClean =
    "# availability of three desktops\n"
    "event_id\tcomponent_id\tnode_id\tplatform_id\tnode_name\tevent_type\tevent_start_time\tevent_stop_time\t"
    "event_end_reason\n"
    "1\t1\t20\t1\thost-a\t1\t1000\t1100\t0\n"
    "2\t1\t20\t1\thost-a\t0\t1100\t1160\t0\n"
    "3\t1\t20\t1\thost-a\t1\t1160\t1500\t0\n"
    "4\t2\t35\t1\thost-b\t0\t1200.5\t1300\t\n"
    "5\t3\t11\t1\thost c\t0\t1050\t1080\tNULL\n";

TEST(AvailabilityTrace, ReadsACleanTable) {
  const AvailabilityTrace t = parse(kClean);
  EXPECT_EQ(t.nodes, (std::vector<std::uint64_t>{11, 20, 35}));
  EXPECT_EQ(t.earliest_s, 1000.0);
  ASSERT_EQ(t.down.size(), 3U);
  EXPECT_EQ(std::tie(t.down[0].node, t.down[0].start_s, t.down[0].stop_s, t.down[0].line),
            std::make_tuple(std::uint64_t{20}, 1100.0, 1160.0, std::uint64_t{4}));
  EXPECT_EQ(std::tie(t.down[1].node, t.down[1].start_s, t.down[1].stop_s), std::make_tuple(std::uint64_t{35}, 1200.5,
                                                                                           1300.0));
  EXPECT_EQ(std::tie(t.down[2].node, t.down[2].start_s, t.down[2].stop_s), std::make_tuple(std::uint64_t{11}, 1050.0,
                                                                                           1080.0));
  EXPECT_EQ(t.report.lines, 7U);
  EXPECT_EQ(t.report.comments, 2U);
  EXPECT_EQ(t.report.unavailable, 3U);
  EXPECT_EQ(t.report.available, 2U);
  EXPECT_EQ(t.report.empty, 0U);
}

TEST(AvailabilityTrace, FirstMappingShiftsByTheWarmUp) {
  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 10;
  o.end = Time{3600 * kS};
  o.warmup = Duration::seconds(60);
  o.node_offset = 2;  // peers 2, 3, 4 follow nodes 11, 20, 35; trace time 1000 is 60 s
  const AvailabilityPlanReport r = append_availability(plan, parse(kClean), o);
  EXPECT_EQ(events_of(plan), (std::vector<Event>{{110 * kS, 2, kCrash},
                                                 {140 * kS, 2, kRestart},
                                                 {160 * kS, 3, kCrash},
                                                 {220 * kS, 3, kRestart},
                                                 {260 * kS + 500 * kMs, 4, kCrash},
                                                 {360 * kS, 4, kRestart}}));
  EXPECT_EQ(r.peers, 3U);
  EXPECT_EQ(r.exempt + r.unused_nodes + r.merged, 0U);
  EXPECT_EQ(r.crashes, 3U);
  EXPECT_EQ(r.restarts, 3U);
}

TEST(AvailabilityTrace, ToleratesQuirksAndMergesOverlaps) {
  const std::string text =
      "1 1 4 1 n4 0 100.25 200 0\r\n"     // spaces instead of tabs, CRLF, float time
      "\n"
      "2\t1\t2\t1\tn2\t0\t50\t80\n"       // no event_end_reason column
      "3\t1\t2\t1\tn2\t0\t70\t90\t1\n"    // overlaps [50, 80]
      "4\t1\t2\t1\tn2\t0\t90\t120\t1\n"   // touches [50, 90]: a restart and a crash at 90 would leave it up
      "5\t1\t2\t1\tn2\t0\t130\t130\t1\n"  // empty interval
      "6\t1\t9\t1\tn9\t1\t0\t500\t1\n"    // available only: a node that never fails; earliest time 0
      "7\t1\t4\t1\tn4\t0\t300\t400\t1\n";
  const AvailabilityTrace t = parse(text);
  EXPECT_EQ(t.nodes, (std::vector<std::uint64_t>{2, 4, 9}));
  EXPECT_EQ(t.earliest_s, 0.0);
  EXPECT_EQ(t.report.lines, 8U);
  EXPECT_EQ(t.report.comments, 1U);
  EXPECT_EQ(t.report.unavailable, 6U);
  EXPECT_EQ(t.report.available, 1U);
  EXPECT_EQ(t.report.empty, 1U);

  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 3;
  o.warmup = Duration::seconds(10);
  const AvailabilityPlanReport r = append_availability(plan, t, o);
  EXPECT_EQ(events_of(plan), (std::vector<Event>{{60 * kS, 0, kCrash},
                                                 {110 * kS + 250 * kMs, 1, kCrash},
                                                 {130 * kS, 0, kRestart},
                                                 {210 * kS, 1, kRestart},
                                                 {310 * kS, 1, kCrash},
                                                 {410 * kS, 1, kRestart}}));
  EXPECT_EQ(r.merged, 2U);
  EXPECT_EQ(r.peers, 3U);
}

const std::string kThreeNodes =
    "1\t1\t100\t1\ta\t0\t10\t20\t0\n"
    "2\t1\t200\t1\tb\t0\t0\t50\t0\n"
    "3\t1\t200\t1\tb\t0\t90\t200\t0\n"
    "4\t1\t300\t1\tc\t1\t0\t300\t0\n";

TEST(AvailabilityTrace, ModuloMappingWithOriginScaleExemptionAndClipping) {
  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 8;
  o.node_offset = 1;  // peer p follows node rank (p - 1) mod 3
  o.mapping = NodeMapping::kModulo;
  o.warmup = Duration::seconds(5);
  o.origin_s = 5;       // trace time t is 5 s + (t - 5 s) * 2
  o.time_scale = 2;
  o.end = Time{195 * kS};
  o.exempt = [](PeerId p) { return p.value == 5; };
  const AvailabilityPlanReport r = append_availability(plan, parse(kThreeNodes), o);
  // Node 100 [10, 20] -> [15, 35]. Node 200 [0, 50] starts before the origin:
  // down from the warm-up's end, 5 s, to 95 s; [90, 200] -> [175, 395] ends
  // after the run: a crash without restart. Node 300 never fails.
  // Peers 1, 4, 7 follow node 100; 2 and 5 (exempt) node 200; 3 and 6 node 300.
  EXPECT_EQ(events_of(plan), (std::vector<Event>{{5 * kS, 2, kCrash},
                                                 {15 * kS, 1, kCrash},
                                                 {15 * kS, 4, kCrash},
                                                 {15 * kS, 7, kCrash},
                                                 {35 * kS, 1, kRestart},
                                                 {35 * kS, 4, kRestart},
                                                 {35 * kS, 7, kRestart},
                                                 {95 * kS, 2, kRestart},
                                                 {175 * kS, 2, kCrash}}));
  EXPECT_EQ(r.peers, 6U);
  EXPECT_EQ(r.exempt, 1U);
  EXPECT_EQ(r.unused_nodes, 0U);
  EXPECT_EQ(r.crashes, 5U);
  EXPECT_EQ(r.restarts, 4U);
}

TEST(AvailabilityTrace, FirstMappingLeavesSurplusNodesUnused) {
  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 2;
  o.node_offset = 1;  // only peer 1 follows a node: node 100
  const AvailabilityPlanReport r = append_availability(plan, parse(kThreeNodes), o);
  EXPECT_EQ(events_of(plan), (std::vector<Event>{{10 * kS, 1, kCrash}, {20 * kS, 1, kRestart}}));
  EXPECT_EQ(r.unused_nodes, 2U);
  EXPECT_EQ(r.peers, 1U);
}

TEST(AvailabilityTrace, AWarmUpPastTheEndLeavesNothing) {
  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 3;
  o.warmup = Duration::seconds(100);
  o.end = Time{50 * kS};
  const AvailabilityPlanReport r = append_availability(plan, parse(kThreeNodes), o);
  EXPECT_TRUE(plan.events.empty());
  EXPECT_EQ(r.crashes, 0U);
}

TEST(AvailabilityTrace, BadOptionsAreRejected) {
  FaultPlan plan;
  AvailabilityOptions o;
  o.peers = 8;
  o.node_offset = 8;
  try {
    append_availability(plan, parse(kThreeNodes), o);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "node offset 8 is not below the number of peers (8)");
  }
  o.node_offset = 0;
  o.time_scale = -1;
  EXPECT_THROW(append_availability(plan, parse(kThreeNodes), o), std::invalid_argument);
  EXPECT_TRUE(plan.events.empty());
  try {
    parse_node_mapping("random");
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "unknown node mapping 'random' (expected first or modulo)");
  }
  EXPECT_EQ(parse_node_mapping("modulo"), NodeMapping::kModulo);
}

struct BadRow {
  const char* name;
  std::string text;
  const char* expected;
};

TEST(AvailabilityTrace, MalformedRowsNameFileLineAndField) {
  const std::string good = "1\t1\t1\t1\tn\t0\t10\t20\t0\n";
  const std::vector<BadRow> cases{
      {"node not a number", good + "2\t1\tx\t1\tn\t0\t10\t20\t0\n", "up.tsv:2: field node_id: 'x' is not a number"},
      {"fractional node", good + "2\t1\t3.5\t1\tn\t0\t10\t20\t0\n", "up.tsv:2: field node_id: '3.5' is not a node id"},
      {"negative node", good + "2\t1\t-1\t1\tn\t0\t10\t20\t0\n", "up.tsv:2: field node_id: '-1' is not a node id"},
      {"event type", good + "2\t1\t1\t1\tn\t2\t10\t20\t0\n",
       "up.tsv:2: field event_type: '2' is neither 0 (unavailable) nor 1 (available)"},
      {"stop before start", good + "2\t1\t1\t1\tn\t0\t10\t5\t0\n",
       "up.tsv:2: field event_stop_time: '5' is before event_start_time '10'"},
      {"negative time", good + "2\t1\t1\t1\tn\t0\t-3\t5\t0\n", "up.tsv:2: field event_start_time: '-3' is negative"},
      {"empty time", good + "2\t1\t1\t1\tn\t0\t\t5\t0\n",
       "up.tsv:2: field event_start_time: empty (expected a number)"},
      {"infinite time", good + "2\t1\t1\t1\tn\t0\t1\tinf\t0\n",
       "up.tsv:2: field event_stop_time: 'inf' is not a finite number"},
      {"too few columns", good + "2\t1\t1\t1\tn\t0\t10\n",
       "up.tsv:2: field event_stop_time: missing (the row has 7 columns; event_trace rows have 9)"},
      {"too many columns", good + "2\t1\t1\t1\tn\t0\t10\t20\t0\textra\n",
       "up.tsv:2: field #10: unexpected 'extra' (event_trace rows have 9 columns)"},
      {"spaces in a name without tabs", good + "2 1 1 1 host a 0 10 20 0\n",
       "up.tsv:2: field #10: unexpected '0' (event_trace rows have 9 columns)"},
      {"only comments", "# nothing\n\n", "up.tsv: no event rows (an event_trace table has one interval per row)"},
      {"only a header", "event_id\tcomponent_id\tnode_id\n",
       "up.tsv: no event rows (an event_trace table has one interval per row)"},
  };
  for (const BadRow& c : cases) {
    try {
      parse(c.text);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const TraceFileError& e) {
      EXPECT_STREQ(e.what(), c.expected) << c.name;
    }
  }
}

TEST(AvailabilityTrace, ReadsFilesAndNamesAMissingOne) {
  const test::TempDir dir;
  const std::string path = dir.write("fta/event_trace.tab", kClean);
  EXPECT_EQ(read_availability_file(path).down.size(), 3U);
  const std::string missing = (dir.path() / "missing.tab").string();
  try {
    read_availability_file(missing);
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open (No such file or directory)");
  }
}

}  // namespace
}  // namespace p2pgrid::workload
