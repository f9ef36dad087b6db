// Checkpoint and restart (issue 20) on the stack that supports it so far,
// PHOLD with crashes, restarts, a graceful leave, loss and a partition: a
// run stopped at a window boundary, checkpointed and resumed (on the same
// or another rank count) gives, together with the rows the stopped part
// wrote, the same canonical trace as the uninterrupted run. Bad
// checkpoints are refused with the file, the field and the reason.

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "p2pgrid/sim/checkpoint_file.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "p2pgrid/sim/traffic_record.hpp"
#include "p2pgrid/workload/phold.hpp"
#include "support/mpi_run.hpp"
#include "support/trace_file.hpp"

namespace p2pgrid {
namespace {

constexpr const char* kScenario = R"(
[run]
protocol = "phold"
duration = "20s"
[peers]
count = 300
[network]
loss = 0.02
[[network.partitions]]
start = "8s"
end = "10s"
split = 0.4
[phold]
initial = 3
think = "20ms"
[[faults]]
at = "5s"
fraction = 0.1
restart_after = "5s"
[[faults]]
at = "12s"
action = "leave"
peers = [1, 2, 3]
)";

const std::vector<const TableDesc*> kTables{&phold::PholdRecord::kTable, &FaultRecord::kTable};

/// A directory of this test's own (rank 0's pid), the same on every rank.
std::filesystem::path private_dir(const boost::mpi::communicator& world) {
  std::string dir;
  if (world.rank() == 0) {
    dir = (std::filesystem::temp_directory_path() / ("p2pgrid_checkpoint_test_" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(dir);
  }
  boost::mpi::broadcast(world, dir, 0);
  return dir;
}

using Rows = std::vector<std::vector<std::byte>>;  // per table of kTables

Rows rows_of(const MemoryTraceSink& sink) {
  Rows out;
  for (const TableDesc* table : kTables) out.push_back(sink.bytes(*table));
  return out;
}

/// Rows of both parts as one trace, in canonical form.
std::string canonical(const Rows& first, const Rows& second) {
  std::string out;
  for (std::size_t i = 0; i < kTables.size(); ++i) {
    std::vector<std::byte> rows = i < first.size() ? first[i] : std::vector<std::byte>();
    if (i < second.size()) rows.insert(rows.end(), second[i].begin(), second[i].end());
    out += "# " + std::string(kTables[i]->name) + "\n" + canonical_text(*kTables[i], rows);
  }
  return out;
}

/// Stops at `at` on `writers` ranks, resumes on `readers`; the joined
/// canonical trace on world rank 0 (empty elsewhere).
std::string interrupted(const boost::mpi::communicator& world, const Scenario& scenario, const std::string& at,
                        int writers, int readers, const std::filesystem::path& file) {
  Rows first;
  Rows second;
  {
    const auto comm = test::first_ranks(world, writers);
    if (world.rank() < writers) {
      CheckpointOptions stop;
      stop.stop_at = Time{parse_duration(at).ns};
      stop.write_path = file.string();
      first = rows_of(test::run_gathered(comm, scenario, kTables, {}, stop));
    }
    world.barrier();
  }
  {
    const auto comm = test::first_ranks(world, readers);
    if (world.rank() < readers) {
      CheckpointOptions resume;
      resume.resume_path = file.string();
      second = rows_of(test::run_gathered(comm, scenario, kTables, {}, resume));
    }
    world.barrier();
  }
  return world.rank() == 0 ? canonical(first, second) : std::string();
}

TEST(Checkpoint, ResumedRunEqualsTheUninterruptedOneOnAnyRankCount) {
  const boost::mpi::communicator world;
  const auto dir = private_dir(world);
  const Scenario scenario = test::scenario_from_text(kScenario, {"run.seed=5"});
  std::string reference;
  {
    const auto solo = test::first_ranks(world, 1);
    if (world.rank() == 0) reference = test::run_canonical(solo, scenario, kTables);
    world.barrier();
  }
  // Before the crashes, during the partition (peers down), at the leave.
  struct Case {
    const char* at;
    int writers;
    int readers;
  };
  const std::vector<Case> cases{{"3s", 1, 1}, {"9s", 1, 2}, {"12s", 2, 1}, {"9s", 2, 4}, {"15s", 4, 2}};
  int ran = 0;
  for (const Case& c : cases) {
    if (c.writers > world.size() || c.readers > world.size()) continue;
    const auto file = dir / ("at" + std::string(c.at) + "_" + std::to_string(c.writers) + ".ckpt");
    const std::string joined = interrupted(world, scenario, c.at, c.writers, c.readers, file);
    ++ran;
    if (world.rank() != 0) continue;
    EXPECT_EQ(joined, reference) << "stopped at " << c.at << " on " << c.writers << " rank(s), resumed on "
                                 << c.readers;
  }
  if (world.rank() == 0) {
    EXPECT_GT(ran, 0);
    // The scenario really crashes, restarts and leaves, and peers process messages.
    EXPECT_NE(reference.find("action=1"), std::string::npos);
    EXPECT_NE(reference.find("action=3"), std::string::npos);
    std::filesystem::remove_all(dir);
  }
}

// The trace continues in the same HDF5 file (docs/checkpoint.md): stopped
// on N ranks, resumed on M into the stopped run's file, that single file's
// canonical tables (traffic too: counters in the checkpoint) equal the
// uninterrupted run's, and it is complete. Stopping again later and resuming
// from the first checkpoint drops the rows written after it.
TEST(Checkpoint, ResumedRunContinuesTheSameTraceFile) {
  const boost::mpi::communicator world;
  const auto dir = private_dir(world);
  const Scenario scenario = test::scenario_from_text(kScenario, {"run.seed=5", "trace.traffic=true"});
  const std::vector<const TableDesc*> tables{&phold::PholdRecord::kTable, &FaultRecord::kTable,
                                             &TrafficRecord::kTable};
  std::string reference;
  {
    const auto solo = test::first_ranks(world, 1);
    if (world.rank() == 0) reference = "complete=1\n" + test::run_canonical(solo, scenario, tables);
    world.barrier();
  }
  struct Case {
    const char* at;
    int writers;
    int readers;
    const char* again;  // stop the resumed run here too, then resume from `at` again ("": no)
  };
  const std::vector<Case> cases{{"3s", 1, 1, "13s"}, {"9s", 1, 2, ""}, {"12s", 2, 1, ""}, {"9s", 2, 4, ""},
                                {"6s", 4, 2, "15s"}};
  int ran = 0;
  for (const Case& c : cases) {
    if (c.writers > world.size() || c.readers > world.size()) continue;
    const std::string name = std::string("at") + c.at + "_" + std::to_string(c.writers);
    const std::string file = (dir / (name + ".h5")).string();
    const std::string ckpt = (dir / (name + ".ckpt")).string();
    const auto run_on = [&](int ranks, CheckpointOptions options) {
      const auto comm = test::first_ranks(world, ranks);
      bool stopped = false;
      if (world.rank() < ranks) stopped = test::run_to_file(comm, scenario, file, options);
      world.barrier();
      return stopped;
    };
    CheckpointOptions stop;
    stop.stop_at = Time{parse_duration(c.at).ns};
    stop.write_path = ckpt;
    run_on(c.writers, stop);
    if (world.rank() == 0) {
      EXPECT_EQ(test::file_canonical(file, {}), "complete=0\n") << name << ": a stopped run's file";
    }
    CheckpointOptions resume;
    resume.resume_path = ckpt;
    if (*c.again != '\0') {
      CheckpointOptions later = resume;
      later.stop_at = Time{parse_duration(c.again).ns};
      later.write_path = (dir / (name + "_later.ckpt")).string();
      EXPECT_TRUE(run_on(c.readers, later) || world.rank() >= c.readers);
    }
    run_on(c.readers, resume);
    ++ran;
    if (world.rank() != 0) continue;
    EXPECT_EQ(test::file_canonical(file, tables), reference)
        << "stopped at " << c.at << " on " << c.writers << " rank(s), resumed on " << c.readers
        << (*c.again != '\0' ? std::string(" (after a later stop at ") + c.again + ")" : std::string());
  }
  if (world.rank() == 0) {
    EXPECT_GT(ran, 0);
    EXPECT_NE(reference.find("# traffic\npeer="), std::string::npos);
    std::filesystem::remove_all(dir);
  }
}

// Periodic checkpoints (run.checkpoint_every, wall clock) stop every rank
// at a window boundary, write, and carry on: the run's result is unchanged,
// and its last checkpoint resumes to the same final rows. A period of 1 ns
// checkpoints after every window, so the test does not depend on speed.
TEST(Checkpoint, PeriodicCheckpointsDoNotChangeTheRun) {
  const boost::mpi::communicator world;
  const auto dir = private_dir(world);
  const Scenario scenario =
      test::scenario_from_text(kScenario, {"run.seed=5", "run.checkpoint_every=1ns", "run.duration=2s"});
  const std::vector<const TableDesc*> end_rows{&phold::PholdRecord::kTable};
  const std::string reference = test::run_canonical(world, scenario, kTables);
  CheckpointOptions periodic;
  periodic.write_path = (dir / "periodic.ckpt").string();
  const MemoryTraceSink with = test::run_gathered(world, scenario, kTables, {}, periodic);
  CheckpointOptions resume;
  resume.resume_path = periodic.write_path;
  const MemoryTraceSink resumed = test::run_gathered(world, scenario, end_rows, {}, resume);
  if (world.rank() == 0) {
    EXPECT_EQ(canonical(rows_of(with), {}), reference);
    EXPECT_TRUE(std::filesystem::exists(periodic.write_path));
    const TableDesc& t = phold::PholdRecord::kTable;
    EXPECT_EQ(canonical_text(t, resumed.bytes(t)), canonical_text(t, with.bytes(t)));
    std::filesystem::remove_all(dir);
  }
}

TEST(Checkpoint, BadCheckpointsAreRefusedWithTheFieldAndTheReason) {
  const boost::mpi::communicator world;
  const auto dir = private_dir(world);
  const Scenario scenario = test::scenario_from_text(kScenario, {"run.seed=5"});
  const auto file = dir / "good.ckpt";
  {
    CheckpointOptions stop;
    stop.stop_at = Time{parse_duration("6s").ns};
    stop.write_path = file.string();
    test::run_gathered(world, scenario, kTables, {}, stop);
  }
  const auto expect_refused = [&](const std::filesystem::path& path, const Scenario& s, const std::string& what) {
    CheckpointOptions resume;
    resume.resume_path = path.string();
    try {
      test::run_gathered(world, s, kTables, {}, resume);
      ADD_FAILURE() << "accepted " << path << " (" << what << ")";
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
    world.barrier();
  };
  std::vector<char> bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 100U);
  const auto write = [&](const std::string& name, const std::vector<char>& content) {
    const auto path = dir / name;
    if (world.rank() == 0) {
      std::ofstream(path, std::ios::binary).write(content.data(), static_cast<std::streamsize>(content.size()));
    }
    world.barrier();
    return path;
  };
  // Truncated anywhere: in the header, or in the sections.
  expect_refused(write("short.ckpt", std::vector<char>(bytes.begin(), bytes.begin() + 20)), scenario, "truncated");
  expect_refused(write("cut.ckpt", std::vector<char>(bytes.begin(), bytes.end() - 7)), scenario, "'sections'");
  // Another format version (the u32 after the 8-byte magic).
  auto other = bytes;
  other[8] = static_cast<char>(kCheckpointVersion + 1);
  expect_refused(write("version.ckpt", other), scenario, "checkpoint format version");
  // Not a checkpoint at all.
  other = bytes;
  other[0] = 'X';
  expect_refused(write("magic.ckpt", other), scenario, "not a p2pgrid checkpoint");
  // Another configuration.
  expect_refused(file, test::scenario_from_text(kScenario, {"run.seed=6"}), "another configuration");
  // Missing file.
  expect_refused(dir / "missing.ckpt", scenario, "cannot open");
  if (world.rank() == 0) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace p2pgrid
