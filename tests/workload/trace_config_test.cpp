// The [availability] section and workload.source = "swf" as a user meets
// them: paths relative to the config file, events in the scenario's fault
// plan, and ConfigErrors that name the config key, the trace file, its line
// and field (p2pgrid exits with code 2 on these before a run starts).

#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "p2pgrid/app/scenario.hpp"
#include "workload/temp_dir.hpp"

namespace p2pgrid {
namespace {

constexpr std::int64_t kS = 1'000'000'000;

const char* const kTrace =
    "event_id\tcomponent_id\tnode_id\tplatform_id\tnode_name\tevent_type\tevent_start_time\tevent_stop_time\t"
    "event_end_reason\n"
    "1\t1\t7\t1\ta\t0\t1000\t1030\t0\n"
    "2\t1\t3\t1\tb\t0\t1010\t1020\t0\n"
    "3\t1\t9\t1\tc\t0\t1005\t1500\t0\n";

std::string config(const std::string& availability, const std::string& extra = "") {
  return "[run]\nduration = \"300s\"\n[peers]\ncount = 10\n[availability]\n" + availability + "\n" + extra;
}

using Event = std::tuple<std::int64_t, std::uint32_t, FaultAction>;
std::vector<Event> events_of(const Scenario& s) {
  std::vector<Event> out;
  for (const FaultEvent& e : s.faults.events) out.emplace_back(e.at.ns, e.peer.value, e.action);
  return out;
}

std::string error_of(const std::string& path) {
  try {
    static_cast<void>(Scenario::load(path, {}).deploy());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(TraceConfig, AvailabilityTraceJoinsTheFaultPlan) {
  const test::TempDir dir;
  dir.write("runs/traces/up.tab", kTrace);
  const std::string cfg = dir.write("runs/a.toml", config("file = \"traces/up.tab\"\nwarmup = \"20s\"\n"
                                                          "node_offset = 4\nexempt = [5]\n",
                                                          "[[faults]]\nat = \"250s\"\npeers = [1]\n"));
  const Scenario s = Scenario::load(cfg, {});
  // Nodes 3, 7, 9 drive peers 4, 5 (exempt), 6; trace time 1000 is 20 s.
  // Node 9 is down past the 300 s run: a crash without a restart. The
  // [[faults]] entry stays, and the plan is sorted by time.
  EXPECT_EQ(events_of(s), (std::vector<Event>{{25 * kS, 6, FaultAction::kCrash},
                                              {30 * kS, 4, FaultAction::kCrash},
                                              {40 * kS, 4, FaultAction::kRestart},
                                              {250 * kS, 1, FaultAction::kCrash}}));
}

TEST(TraceConfig, ModuloMappingOriginAndScale) {
  const test::TempDir dir;
  dir.write("up.tab", kTrace);
  const std::string cfg = dir.write("b.toml", config("file = \"up.tab\"\nmapping = \"modulo\"\norigin = 1010.0\n"
                                                     "time_scale = 2.0\n"));
  const Scenario s = Scenario::load(cfg, {});
  std::vector<Event> expected;
  // sim = (t - 1010) * 2, from 0: node 3 [1010, 1020] -> [0, 20]; node 7
  // [1000, 1030] -> [0, 40]; node 9 [1005, 1500] -> [0, 300 = end]: no restart.
  for (std::uint32_t p = 0; p < 10; ++p) {
    if (p % 3 == 0) expected.insert(expected.end(), {{0, p, FaultAction::kCrash}, {20 * kS, p, FaultAction::kRestart}});
    if (p % 3 == 1) expected.insert(expected.end(), {{0, p, FaultAction::kCrash}, {40 * kS, p, FaultAction::kRestart}});
    if (p % 3 == 2) expected.push_back({0, p, FaultAction::kCrash});
  }
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(events_of(s), expected);
}

TEST(TraceConfig, TraceErrorsAreConfigErrorsNamingKeyFileLineAndField) {
  const test::TempDir dir;
  const std::string bad_row = dir.write("bad.tab", std::string(kTrace) + "4\t1\t2\t1\td\t7\t1\t2\t0\n");
  const std::string bad_job = dir.write("bad.swf", "; Version: 2.2\n1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1\n");
  dir.write("good.swf", "1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n");
  dir.write("up.tab", kTrace);
  const std::string d = dir.path().string() + "/";
  const std::string grid = "[run]\nprotocol = \"grid\"\n[chord]\nbootstrap = \"oracle\"\n[workload]\nclients = 2\n";
  struct Case {
    const char* name;
    std::string file;
    std::string toml;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"bad row", "c1.toml", config("file = \"bad.tab\""),
       d + "c1.toml: key 'availability.file': " + bad_row +
           ":5: field event_type: '7' is neither 0 (unavailable) nor 1 (available)"},
      {"missing trace", "c2.toml", config("file = \"none.tab\""),
       d + "c2.toml: key 'availability.file': " + d + "none.tab: cannot open (No such file or directory)"},
      {"offset beyond peers", "c3.toml", config("file = \"up.tab\"\nnode_offset = 10"),
       d + "c3.toml: [availability]: node offset 10 is not below the number of peers (10)"},
      {"exempt peer missing", "c4.toml", config("file = \"up.tab\"\nexempt = [3, 12]"),
       d + "c4.toml: key 'availability.exempt': peer 12 does not exist (peers.count = 10)"},
      {"bad job line", "c5.toml", grid + "source = \"swf\"\nswf_file = \"bad.swf\"\n",
       d + "c5.toml: key 'workload.swf_file': " + bad_job +
           ":2: field think_time: missing (the line has 17 of 18 fields)"},
      {"swf without file", "c6.toml", grid + "source = \"swf\"\n",
       d + "c6.toml: key 'workload.swf_file': required when workload.source = swf"},
      {"missing log", "c7.toml", grid + "source = \"swf\"\nswf_file = \"none.swf\"\n",
       d + "c7.toml: key 'workload.swf_file': " + d + "none.swf: cannot open (No such file or directory)"},
      {"more clients than peers", "c8.toml", grid + "source = \"swf\"\nswf_file = \"good.swf\"\n[peers]\ncount = 1\n",
       d + "c8.toml: key 'workload.clients': 2 clients but only 1 peers"},
  };
  for (const Case& c : cases) EXPECT_EQ(error_of(dir.write(c.file, c.toml)), c.expected) << c.name;
  // The same log, well formed, deploys.
  EXPECT_EQ(error_of(dir.write("ok.toml", grid + "source = \"swf\"\nswf_file = \"good.swf\"\n")), "accepted");
}

}  // namespace
}  // namespace p2pgrid
