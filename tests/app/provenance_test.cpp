// Pieces of what a trace records about itself: content hashes, the progress
// mode, the enum tables the trace's HDF5 enums are built from, and that the
// config and the trace agree on the units of resources.

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "p2pgrid/app/progress.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/app/sha256.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/trace/node_record.hpp"

namespace p2pgrid {
namespace {

TEST(Sha256, MatchesTheFipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the padding needs a second block.
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Progress, LiveOnlyOnATerminalWithoutALauncher) {
  const char* none[] = {"HOME=/root", nullptr};
  const char* mpiexec[] = {"HOME=/root", "OMPI_COMM_WORLD_SIZE=2", nullptr};
  const char* slurm[] = {"SLURM_JOB_ID=7", nullptr};
  EXPECT_FALSE(started_by_launcher(none));
  EXPECT_TRUE(started_by_launcher(mpiexec));
  EXPECT_TRUE(started_by_launcher(slurm));
  EXPECT_TRUE(progress_is_live("auto", true, false));
  EXPECT_FALSE(progress_is_live("auto", false, false));
  EXPECT_FALSE(progress_is_live("auto", true, true));  // Open MPI gives ranks a pty
  EXPECT_TRUE(progress_is_live("terminal", false, true));
  EXPECT_FALSE(progress_is_live("plain", true, false));
}

template <class Table>
void expect_dense_and_unique(const Table& members) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < members.size(); ++i) {
    EXPECT_EQ(members[i].value, i) << members[i].name;
    EXPECT_TRUE(names.insert(members[i].name).second) << members[i].name;
  }
}

TEST(TraceEnums, JobStatusAndReasonTablesAreDenseWithUniqueNames) {
  expect_dense_and_unique(kJobStatusNames);
  expect_dense_and_unique(kJobFailureNames);
  for (const FieldDesc& f : JobRecord::kTable.fields) {
    if (f.name == "status") {
      EXPECT_EQ(f.members.size(), kJobStatusNames.size());
    }
    if (f.name == "reason") {
      EXPECT_EQ(f.members.size(), kJobFailureNames.size());
    }
  }
}

std::string_view unit_of(const TableDesc& t, std::string_view column) {
  for (const FieldDesc& f : t.fields) {
    if (f.name == column) return f.unit;
  }
  ADD_FAILURE() << "no column " << column;
  return {};
}

// The generator's ranges are declared in config units; the trace columns
// must carry the same ones (they once said GHz and GiB for MHz and MiB).
TEST(TraceUnits, ResourceColumnsUseTheConfigUnitsOfTheGenerator) {
  const Schema& schema = scenario_schema();
  const char* keys[] = {"can.cpu_mhz", "can.memory_mib", "can.disk_gib"};
  const char* jobs[] = {"min_cpu", "min_memory", "min_disk"};
  const char* nodes[] = {"cpu", "memory", "disk"};
  for (std::size_t i = 0; i < grid::kResources; ++i) {
    const FieldSpec* spec = schema.find(keys[i]);
    ASSERT_NE(spec, nullptr) << keys[i];
    EXPECT_EQ(spec->unit, grid::kResourceUnits[i]) << keys[i];
    EXPECT_EQ(unit_of(JobRecord::kTable, jobs[i]), spec->unit) << jobs[i];
    EXPECT_EQ(unit_of(NodeRecord::kTable, nodes[i]), spec->unit) << nodes[i];
  }
}

}  // namespace
}  // namespace p2pgrid
