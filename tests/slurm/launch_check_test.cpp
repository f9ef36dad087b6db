// The launch check against the environments that launchers really set, as
// observed on Slurm 22.05 with Debian's Open MPI 4.1 (tests/slurm runs the
// real ones): `srun --mpi=pmix` sets SLURM_STEP_NUM_TASKS and SLURM_NTASKS to
// the step's tasks; `mpirun -n K` inside an N-task allocation sets
// OMPI_COMM_WORLD_SIZE=K and leaves SLURM_NTASKS=N; a program the batch script
// starts directly sees only SLURM_NTASKS=N.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "p2pgrid/app/launch_check.hpp"

namespace p2pgrid {
namespace {

class FakeEnv {
 public:
  FakeEnv(std::initializer_list<std::pair<const std::string, std::string>> vars) : vars_(vars) {}
  [[nodiscard]] EnvLookup lookup() const {
    return [this](const char* name) -> const char* {
      const auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

TEST(LaunchCheck, NoLauncherNoSlurmIsAccepted) {
  const FakeEnv env{};
  EXPECT_FALSE(launch_mismatch(1, env.lookup()));
}

TEST(LaunchCheck, SrunPmixStepOfTheRightSizeIsAccepted) {
  const FakeEnv env{{"SLURM_NTASKS", "2"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"PMIX_RANK", "1"}};
  EXPECT_FALSE(launch_mismatch(2, env.lookup()));
}

TEST(LaunchCheck, SrunStartingSingletonsIsRefusedNamingTheVariable) {
  const FakeEnv env{{"SLURM_NTASKS", "4"}, {"SLURM_STEP_NUM_TASKS", "4"}};
  const auto msg = launch_mismatch(1, env.lookup());
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("SLURM_STEP_NUM_TASKS=4"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("MPI_COMM_WORLD has 1 rank(s)"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("srun --mpi=pmix"), std::string::npos) << *msg;
}

TEST(LaunchCheck, MpirunWithFewerRanksThanTheAllocationIsAccepted) {
  // `mpirun -n 1` in a 2-task job: the job's SLURM_NTASKS must not win.
  const FakeEnv env{{"SLURM_NTASKS", "2"}, {"OMPI_COMM_WORLD_SIZE", "1"}};
  EXPECT_FALSE(launch_mismatch(1, env.lookup()));
}

TEST(LaunchCheck, MpirunAcrossNodesIgnoresTheDaemonStep) {
  // Multi-node mpirun starts its daemons with one srun task per node; the
  // ranks inherit that step's SLURM_STEP_NUM_TASKS (the node count).
  const FakeEnv env{{"SLURM_NTASKS", "8"}, {"SLURM_STEP_NUM_TASKS", "2"}, {"OMPI_COMM_WORLD_SIZE", "8"}};
  EXPECT_FALSE(launch_mismatch(8, env.lookup()));
}

TEST(LaunchCheck, MpirunSingletonsAreRefused) {
  const FakeEnv env{{"OMPI_COMM_WORLD_SIZE", "3"}};
  const auto msg = launch_mismatch(1, env.lookup());
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("OMPI_COMM_WORLD_SIZE=3"), std::string::npos) << *msg;
}

TEST(LaunchCheck, PmiSizeIsChecked) {
  const FakeEnv env{{"PMI_SIZE", "2"}};
  EXPECT_TRUE(launch_mismatch(1, env.lookup()));
  EXPECT_FALSE(launch_mismatch(2, env.lookup()));
}

TEST(LaunchCheck, BatchScriptWithoutLauncherIsRefused) {
  const FakeEnv env{{"SLURM_NTASKS", "2"}, {"SLURM_JOB_ID", "17"}};
  const auto msg = launch_mismatch(1, env.lookup());
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("SLURM_NTASKS=2"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("without a launcher"), std::string::npos) << *msg;
  EXPECT_NE(msg->find("srun -n K"), std::string::npos) << *msg;
}

TEST(LaunchCheck, OneTaskJobRunDirectlyIsAccepted) {
  const FakeEnv env{{"SLURM_NTASKS", "1"}, {"SLURM_JOB_ID", "17"}};
  EXPECT_FALSE(launch_mismatch(1, env.lookup()));
}

TEST(LaunchCheck, MalformedCountsAreIgnoredNotTrusted) {
  // Garbage is not a launcher's statement; the next variable decides.
  const FakeEnv env{{"OMPI_COMM_WORLD_SIZE", "2x"}, {"SLURM_STEP_NUM_TASKS", "3"}};
  const auto msg = launch_mismatch(2, env.lookup());
  ASSERT_TRUE(msg);
  EXPECT_NE(msg->find("SLURM_STEP_NUM_TASKS=3"), std::string::npos) << *msg;
}

}  // namespace
}  // namespace p2pgrid
