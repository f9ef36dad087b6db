// The SWF reader on small logs written here: the mapping of a clean log,
// every tolerated quirk, and the exact message for each malformed line.
// Expected values are worked out by hand from the lines in each test.

#include "p2pgrid/workload/swf_reader.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <tuple>

#include "p2pgrid/workload/availability_trace.hpp"
#include "p2pgrid/workload/trace_line.hpp"
#include "workload/temp_dir.hpp"

namespace p2pgrid::workload {
namespace {

constexpr std::int64_t kS = 1'000'000'000;  // ns per s

SwfTrace parse(const std::string& text) {
  std::istringstream in(text);
  return read_swf(in, "jobs.swf");
}

using JobTuple = std::tuple<std::uint64_t, double, double, std::uint32_t, std::int64_t, std::uint64_t>;
JobTuple tie_job(const SwfJob& j) { return {j.number, j.submit_s, j.run_time_s, j.memory_mib, j.user, j.line}; }

using SpecTuple = std::tuple<std::int64_t, std::int64_t, std::uint32_t, std::uint32_t, std::uint32_t, std::uint64_t>;
std::vector<SpecTuple> specs_of(const grid::JobPlan& plan, std::uint32_t client) {
  std::vector<SpecTuple> out;
  if (const grid::ClientPlan* client_plan = plan.of(PeerId{client})) {
    for (const grid::JobSpec& s : client_plan->jobs) {
      out.emplace_back(s.submit.ns, s.run_time.ns, s.requirements[0], s.requirements[1], s.requirements[2],
                       s.input_bytes);
    }
  }
  return out;
}

const std::string kCleanBody =
    "1 0 5 100 4 90 2048 4 200 4096 1 3 1 1 1 1 -1 -1\n"
    "2 30 0 50 1 45 -1 1 60 -1 1 5 1 2 1 1 -1 -1\n"
    "3 60 2 10 2 9 1000 2 -1 -1 1 3 1 1 1 1 -1 -1\n"
    "4 90 0 300 8 250 -1 8 400 1025 1 -1 1 3 1 1 -1 -1\n";
const std::string kClean =
    "; Version: 2.2\n; Computer: test cluster\n; UnixStartTime: 1000000000\n; MaxJobs: 4\n;\n" + kCleanBody;

TEST(SwfReader, ReadsACleanLog) {
  const SwfTrace t = parse(kClean);
  // Memory: requested KB per processor when known, else used; rounded up to MiB.
  const std::vector<JobTuple> expected{{1, 0.0, 100.0, 4, 3, 6},    // 4096 KB requested
                                       {2, 30.0, 50.0, 0, 5, 7},    // both memory fields unknown
                                       {3, 60.0, 10.0, 1, 3, 8},    // 1000 KB used
                                       {4, 90.0, 300.0, 2, -1, 9}}; // 1025 KB requested
  ASSERT_EQ(t.jobs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(tie_job(t.jobs[i]), expected[i]) << i;
  EXPECT_EQ(t.report.lines, 9U);
  EXPECT_EQ(t.report.comments, 5U);
  EXPECT_EQ(t.report.jobs, 4U);
  EXPECT_EQ(t.report.repaired + t.report.requested_time + t.report.no_run_time + t.report.no_submit_time +
                t.report.out_of_order,
            0U);
}

TEST(SwfReader, HeaderLinesAreOptional) {
  const SwfTrace with = parse(kClean);
  const SwfTrace without = parse(kCleanBody);
  ASSERT_EQ(with.jobs.size(), without.jobs.size());
  for (std::size_t i = 0; i < with.jobs.size(); ++i) {
    EXPECT_EQ(with.jobs[i].number, without.jobs[i].number);
    EXPECT_EQ(with.jobs[i].submit_s, without.jobs[i].submit_s);
    EXPECT_EQ(with.jobs[i].line, without.jobs[i].line + 5);  // line numbers stay those of the file
  }
  EXPECT_EQ(without.report.comments, 0U);
}

TEST(SwfReader, PlanMapsUsersToClientsAndOffsetsSubmitTimes) {
  SwfPlanOptions o;
  o.peers = 10;
  o.clients = 3;  // client i is peer floor(i * 10 / 3): 0, 3, 6
  o.start = Time{60 * kS};
  o.input_bytes = 1000;
  const grid::JobPlan plan = make_swf_plan(parse(kClean), o);
  // user 3 -> client 0; user 5 -> client 2; job 4 has no user: job number 4 -> client 1.
  EXPECT_EQ(specs_of(plan, 0), (std::vector<SpecTuple>{{60 * kS, 100 * kS, 0, 4, 0, 1000},
                                                        {120 * kS, 10 * kS, 0, 1, 0, 1000}}));
  EXPECT_EQ(specs_of(plan, 3), (std::vector<SpecTuple>{{150 * kS, 300 * kS, 0, 2, 0, 1000}}));
  EXPECT_EQ(specs_of(plan, 6), (std::vector<SpecTuple>{{90 * kS, 50 * kS, 0, 0, 0, 1000}}));
  EXPECT_EQ(plan.by_client.size(), 3U);
}

TEST(SwfReader, MaxJobsKeepsTheEarliestAndTimeScaleScalesBoth) {
  SwfPlanOptions o;
  o.peers = 1;
  o.clients = 1;
  o.max_jobs = 2;
  o.time_scale = 0.25;
  const grid::JobPlan plan = make_swf_plan(parse(kClean), o);
  EXPECT_EQ(specs_of(plan, 0), (std::vector<SpecTuple>{{0, 25 * kS, 0, 4, 0, 0},
                                                        {7'500'000'000, 12'500'000'000, 0, 0, 0, 0}}));
}

TEST(SwfReader, ToleratesTheQuirksOfRealLogsAndCountsThem) {
  const std::string text =
      "0010 120.5 0 -1 1 -1 -1 1 600 -1 1 2 1 1 1 1 -1 -1\r\n"          // leading zeros; run time from request
      "  7\t100\t0\t30.0\t1\t-1\t2048.4\t1\t-1\t-1\t1\t007\t1\t1\t1\t1\t-1\t-1\r\n"  // tabs, floats, zeros
      "\n"
      "8 110 0 -1 1 -1 -1 1 -1 -1 0 4 1 1 1 1 -1 -1\n"                   // no run time at all: skipped
      "; a comment in the middle\n"
      "9 -1 0 20 1 -1 -1 1 -1 -1 1 4 1 1 1 1 -1 -1\n"                    // no submit time: skipped
      "5 100 0 0 1 -1 3.5e3 1 -1 -1.0 5 -1 1 1 1 1 -1 -1\n";             // float memory, -1.0, zero run time
  const SwfTrace t = parse(text);
  // "0010" is job ten, not octal eight (which would collide with job 8).
  const std::vector<JobTuple> expected{{5, 100.0, 0.0, 4, -1, 7},     // 3500 KB used -> 4 MiB
                                       {7, 100.0, 30.0, 2, 7, 2},     // 2048.4 KB -> 2048 KB -> 2 MiB
                                       {10, 120.5, 600.0, 0, 2, 1}};  // requested time as run time
  ASSERT_EQ(t.jobs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(tie_job(t.jobs[i]), expected[i]) << i;
  EXPECT_EQ(t.report.lines, 7U);
  EXPECT_EQ(t.report.comments, 2U);
  EXPECT_EQ(t.report.jobs, 3U);
  EXPECT_EQ(t.report.repaired, 3U);        // 120.5; 30.0 and 2048.4; 3.5e3 and -1.0
  EXPECT_EQ(t.report.requested_time, 1U);  // job 10
  EXPECT_EQ(t.report.no_run_time, 1U);     // job 8
  EXPECT_EQ(t.report.no_submit_time, 1U);  // job 9
  EXPECT_EQ(t.report.out_of_order, 2U);    // job 7 after 10; job 5 after 7 (same submit time)
  EXPECT_EQ(describe(t.report),
            "3 jobs (1 with the requested time as run time); skipped 1 without run time, 1 without submit time; "
            "3 lines repaired; 2 out of order");

  SwfPlanOptions o;
  o.peers = 4;
  o.clients = 2;  // peers 0 and 2
  o.time_scale = 0.5;
  const grid::JobPlan plan = make_swf_plan(t, o);
  // Job 5: no user, 5 mod 2 = 1; job 7: user 7 -> 1; job 10: user 2 -> 0.
  EXPECT_EQ(specs_of(plan, 2), (std::vector<SpecTuple>{{0, 0, 0, 4, 0, 0}, {0, 15 * kS, 0, 2, 0, 0}}));
  EXPECT_EQ(specs_of(plan, 0), (std::vector<SpecTuple>{{10'250'000'000, 300 * kS, 0, 0, 0, 0}}));
}

struct BadLine {
  const char* name;
  std::string text;
  const char* expected;
};

TEST(SwfReader, MalformedLinesNameFileLineAndField) {
  const std::string good = "1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n";
  const std::vector<BadLine> cases{
      {"not a number", good + "2 10 0 abc 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field run_time: 'abc' is not a number"},
      {"too few fields", good + "2 10 0 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1\n",
       "jobs.swf:2: field think_time: missing (the line has 17 of 18 fields)"},
      {"one field", good + "2\n", "jobs.swf:2: field submit_time: missing (the line has 1 of 18 fields)"},
      {"too many fields", good + "2 10 0 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1 9\n",
       "jobs.swf:2: field #19: unexpected '9' (SWF lines have 18 fields)"},
      {"negative run time", good + "2 10 0 -5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field run_time: '-5' is negative (the only negative value is -1, unknown)"},
      {"negative requested time", good + "2 10 0 5 1 -1 -1 1 -2 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field requested_time: '-2' is negative (the only negative value is -1, unknown)"},
      {"duplicate job", good + "1 10 0 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field job_number: job 1 is also on line 1"},
      {"unknown job number", good + "-1 10 0 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field job_number: '-1' is not a job number"},
      {"nan", good + "2 nan 0 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field submit_time: 'nan' is not a finite number"},
      {"overflow", good + "2 10 1e400 5 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field wait_time: '1e400' is out of range"},
      {"decimal comma", good + "2 10 0 5 1 -1 -1 1 -1 -1 1,5 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field status: '1,5' is not a number"},
      {"two signs", good + "2 10 0 5 1 -1 -1 1 -1 -1 1 +-3 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field user_id: '+-3' is not a number"},
      {"hex", good + "2 10 0 5 1 -1 0x10 1 -1 -1 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field used_memory: '0x10' is not a number"},
      {"huge memory", good + "2 10 0 5 1 -1 -1 1 -1 9e15 1 1 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field requested_memory: '9e15' KB is too large"},
      {"huge user", good + "2 10 0 5 1 -1 -1 1 -1 -1 1 1e16 1 1 1 1 -1 -1\n",
       "jobs.swf:2: field user_id: '1e16' is too large"},
      {"lines after comments count", "; Version: 2.2\n\n" + good + "x" + good.substr(1),
       "jobs.swf:4: field job_number: 'x' is not a number"},
      {"only a header", "; Version: 2.2\n; MaxJobs: 0\n", "jobs.swf: no job lines (an SWF log has one job per line)"},
      {"empty", "", "jobs.swf: no job lines (an SWF log has one job per line)"},
  };
  for (const BadLine& c : cases) {
    try {
      parse(c.text);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const TraceFileError& e) {
      EXPECT_STREQ(e.what(), c.expected) << c.name;
    }
  }
}

TEST(SwfReader, TimesBeyondTheClockAfterScalingAreRejected) {
  const SwfTrace t = parse("1 0 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n"
                           "2 1000000000 0 10 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 -1\n");
  SwfPlanOptions o;
  o.peers = 1;
  EXPECT_EQ(specs_of(make_swf_plan(t, o), 0).size(), 2U);  // 1e9 s (32 years) fits the clock
  o.time_scale = 1000;
  try {
    make_swf_plan(t, o);
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_STREQ(e.what(), "jobs.swf:2: field submit_time: 1000000000 s is beyond the simulated clock after scaling");
  }
}

TEST(SwfReader, BadPlanOptionsAreRejected) {
  const SwfTrace t = parse(kClean);
  SwfPlanOptions o;
  o.peers = 2;
  o.clients = 3;
  EXPECT_THROW(make_swf_plan(t, o), std::invalid_argument);
  o.clients = 1;
  o.time_scale = 0;
  EXPECT_THROW(make_swf_plan(t, o), std::invalid_argument);
}

TEST(SwfReader, ReadsFilesAndNamesAMissingOne) {
  const test::TempDir dir;
  const std::string path = dir.write("logs/clean.swf", kClean);
  const SwfTrace t = read_swf_file(path);
  EXPECT_EQ(t.file, path);
  EXPECT_EQ(t.jobs.size(), 4U);
  const std::string missing = (dir.path() / "missing.swf").string();
  try {
    read_swf_file(missing);
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open (No such file or directory)");
  }
  // An error in a file names the path it was opened by.
  const std::string bad = dir.write("bad.swf", "1 0 0 1 1 -1 -1 1 -1 -1 1 1 1 1 1 1 -1 x\n");
  try {
    read_swf_file(bad);
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), bad + ":1: field think_time: 'x' is not a number");
  }
}

}  // namespace
}  // namespace p2pgrid::workload

namespace p2pgrid::workload {
namespace {

TEST(SwfReader, ALineLongerThanTheLimitIsRefusedBeforeItIsHeldWhole) {
  const std::string huge = "; header\n1 0 0 10" + std::string(kMaxTraceLineBytes, ' ') + "\n";
  try {
    parse(huge);
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), "jobs.swf: line 2 is longer than 65536 bytes (not a trace table?)");
  }
  std::istringstream in("x\t" + std::string(kMaxTraceLineBytes + 1, 'y'));
  try {
    read_availability(in, "up.tsv");
    ADD_FAILURE() << "accepted";
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), "up.tsv: line 1 is longer than 65536 bytes (not a trace table?)");
  }
}

}  // namespace
}  // namespace p2pgrid::workload
