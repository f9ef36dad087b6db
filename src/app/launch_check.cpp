#include "p2pgrid/app/launch_check.hpp"

#include <cstdlib>

namespace p2pgrid {
namespace {
std::optional<long> env_int(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0') return std::nullopt;
  return n;
}
}  // namespace

std::optional<std::string> launch_mismatch(int world_size) {
  const auto expect = [&](const char* var, long n) -> std::optional<std::string> {
    if (n == world_size) return std::nullopt;
    return std::string("the launcher started ") + std::to_string(n) + " tasks (" + var + "=" + std::to_string(n) +
           ") but MPI_COMM_WORLD has " + std::to_string(world_size) +
           " rank(s): the tasks started as separate singletons. Launch with an MPI-aware launcher that matches "
           "this Open MPI build: `mpirun -n N p2pgrid ...`, or under Slurm `srun --mpi=pmix ...` (check "
           "`srun --mpi=list`); do not use --mpi=pmi2 or --mpi=none with Debian's Open MPI.";
  };
  if (const auto n = env_int("OMPI_COMM_WORLD_SIZE")) return expect("OMPI_COMM_WORLD_SIZE", *n);
  if (const auto n = env_int("SLURM_STEP_NUM_TASKS")) return expect("SLURM_STEP_NUM_TASKS", *n);
  if (const auto n = env_int("PMI_SIZE")) return expect("PMI_SIZE", *n);
  return std::nullopt;
}

}  // namespace p2pgrid
