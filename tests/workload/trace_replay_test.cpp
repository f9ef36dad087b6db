// A desktop grid driven by an SWF log and an FTA availability trace, end
// to end on 1 and 2 ranks: every job of the log is submitted by the client
// its user maps to, at its offset time, with its run time and memory, and
// completes; the trace's nodes go down and up at the shifted times. The
// expected rows are worked out by hand from the files below.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <tuple>

#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "support/mpi_run.hpp"
#include "workload/temp_dir.hpp"

namespace p2pgrid {
namespace {

constexpr std::int64_t kS = 1'000'000'000;

// Six jobs, out of order, one without user (-1), one with only a requested
// time, one with neither (skipped). Memory 256 or 512 MiB: every node has at
// least 512 MiB (can::CapabilityModel), so every job can run.
const char* const kLog =
    "; Version: 2.2\n"
    "; UnixStartTime: 1700000000\n"
    "101 100 0 120 1 -1 262144 1 -1 -1 1 4 1 1 1 1 -1 -1\n"
    "102 160 0 60 1 -1 -1 1 -1 524288 1 5 1 1 1 1 -1 -1\n"
    "100 40 0 200 1 -1 -1 1 -1 -1 1 -1 1 1 1 1 -1 -1\n"
    "103 220 0 -1 1 -1 -1 1 80 -1 1 4 1 1 1 1 -1 -1\n"
    "104 230 0 -1 1 -1 -1 1 -1 -1 5 3 1 1 1 1 -1 -1\n"
    "105 300.5 0 30 1 -1 -1 1 -1 -1 1 3 1 1 1 1 -1 -1\n";

const char* const kAvailability =
    "event_id\tcomponent_id\tnode_id\tplatform_id\tnode_name\tevent_type\tevent_start_time\tevent_stop_time\t"
    "event_end_reason\n"
    "1\t1\t51\t1\ta\t1\t5000\t5100\t1\n"
    "2\t1\t51\t1\ta\t0\t5100\t5400\t2\n"
    "3\t1\t50\t1\tb\t0\t5200\t5260\t2\n";

std::string scenario_text(const test::TempDir& dir) {
  return R"(
[run]
protocol = "grid"
duration = "40min"
seed = 11
[peers]
count = 24
[network]
min_latency = "40ms"
[chord]
bootstrap = "oracle"
[match]
kind = "central"
server = 23
[workload]
source = "swf"
swf_file = ")" + (dir.path() / "log.swf").string() + R"("
swf_time_scale = 0.5
clients = 3
start = "30s"
input_bytes = 1000
[availability]
file = ")" + (dir.path() / "up.tab").string() + R"("
warmup = "10s"
node_offset = 20
)";
}

TEST(TraceReplay, JobsAndAvailabilityFollowTheTraces) {
  const boost::mpi::communicator world;
  // Each rank writes its own copy: the same bytes, no shared file to race on.
  const test::TempDir dir;
  dir.write("log.swf", kLog);
  dir.write("up.tab", kAvailability);
  const Scenario s = test::scenario_from_text(scenario_text(dir));
  const MemoryTraceSink sink = test::run_gathered(world, s, {&JobRecord::kTable, &FaultRecord::kTable});
  if (world.rank() != 0) return;

  // Clients are peers floor(i * 24 / 3) = 0, 8, 16 for i = user mod 3 (job
  // number mod 3 without user). Submit = 30 s + (t - 40 s) / 2; run / 2.
  using Job = std::tuple<std::uint32_t, std::int64_t, std::int64_t, double>;  // client, submit, run, memory
  const std::vector<Job> expected{{8, 30 * kS, 100 * kS, 0.0},                  // 100: no user, 100 mod 3 = 1
                                  {8, 60 * kS, 60 * kS, 256.0},                 // 101: user 4
                                  {16, 90 * kS, 30 * kS, 512.0},                // 102: user 5
                                  {8, 120 * kS, 40 * kS, 0.0},                  // 103: requested time 80 s
                                  {0, 160 * kS + kS / 4, 15 * kS, 0.0}};        // 105: user 3 at 300.5 s
  std::vector<Job> got;
  for (const JobRecord& r : sink.rows<JobRecord>()) {
    got.emplace_back(r.client, r.submit_ns, r.run_time_ns, r.min_memory);
    EXPECT_EQ(r.status, static_cast<std::uint32_t>(JobStatus::kCompleted)) << "job " << r.job;
    EXPECT_EQ(r.input_bytes, 1000U);
    EXPECT_EQ(r.min_cpu, 0.0);
    EXPECT_EQ(r.min_disk, 0.0);
  }
  std::sort(got.begin(), got.end(), [](const Job& a, const Job& b) { return std::get<1>(a) < std::get<1>(b); });
  EXPECT_EQ(got, expected);

  // Nodes 50, 51 drive peers 20, 21; trace time 5000 is 10 s.
  using Fault = std::tuple<std::int64_t, std::uint32_t, std::uint32_t>;
  std::vector<Fault> faults;
  for (const FaultRecord& f : sink.rows<FaultRecord>()) {
    if (f.action != FaultRecord::kStart) faults.emplace_back(f.time_ns, f.peer, f.action);
  }
  std::sort(faults.begin(), faults.end());
  EXPECT_EQ(faults, (std::vector<Fault>{{110 * kS, 21, FaultRecord::kCrash},
                                        {210 * kS, 20, FaultRecord::kCrash},
                                        {270 * kS, 20, FaultRecord::kRestart},
                                        {410 * kS, 21, FaultRecord::kRestart}}));
}

}  // namespace
}  // namespace p2pgrid
