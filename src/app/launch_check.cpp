#include "p2pgrid/app/launch_check.hpp"

#include <cstdlib>

namespace p2pgrid {
namespace {

std::optional<long> env_int(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n <= 0) return std::nullopt;
  return n;
}

constexpr const char* kHowToLaunch =
    "Launch with an MPI-aware launcher that matches this Open MPI build: `mpirun -n N p2pgrid ...`, or under Slurm "
    "`srun --mpi=pmix p2pgrid ...` (check `srun --mpi=list`; --mpi=pmi2 and --mpi=none do not work with Debian's "
    "Open MPI); jobs/slurm/run.sbatch does this.";

}  // namespace

std::optional<std::string> launch_mismatch(int world_size, const EnvLookup& env) {
  const std::string ranks = std::to_string(world_size) + " rank(s)";
  // Checked in this order because the outer variables leak into inner
  // launches: mpirun inside a 4-task allocation keeps SLURM_NTASKS=4 even for
  // `mpirun -n 1`, and its ranks inherit SLURM_STEP_NUM_TASKS from the srun
  // step that started its daemons (one task per node).
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    const auto n = env_int(env, var);
    if (!n) continue;
    if (*n == world_size) return std::nullopt;
    return std::string("the launcher started ") + std::to_string(*n) + " tasks (" + var + "=" + std::to_string(*n) +
           ") but MPI_COMM_WORLD has " + ranks + ": the tasks started as separate singletons. " + kHowToLaunch;
  }
  // No launcher at all, inside a Slurm job: the batch script ran p2pgrid
  // directly, so it runs as one rank while the job holds SLURM_NTASKS tasks.
  if (const auto n = env_int(env, "SLURM_NTASKS"); n && *n != world_size) {
    return std::string("this Slurm job has ") + std::to_string(*n) + " tasks (SLURM_NTASKS=" + std::to_string(*n) +
           ") but MPI_COMM_WORLD has " + ranks +
           ": p2pgrid was started without a launcher (or by one this check does not know). " + kHowToLaunch +
           " To run fewer ranks than the job has tasks, say so to the launcher: `srun -n K` or `mpirun -n K`.";
  }
  return std::nullopt;
}

std::optional<std::string> launch_mismatch(int world_size) {
  return launch_mismatch(world_size, [](const char* name) { return std::getenv(name); });
}

}  // namespace p2pgrid
