#pragma once
/// Refuses a broken launch: `mpiexec -n N` or `srun -n N` that started N
/// singletons (each MPI_COMM_WORLD of size 1) instead of one N-rank job,
/// which would silently run N copies of the same scenario, and a Slurm job
/// of N tasks whose batch script started p2pgrid without a launcher.

#include <functional>
#include <optional>
#include <string>

namespace p2pgrid {

/// Reads one environment variable; nullptr when it is not set.
using EnvLookup = std::function<const char*(const char*)>;

/// An error message (what was started, and how to launch instead) when the
/// launcher's task count disagrees with the communicator size; nothing when
/// they agree or no launcher is known. The most specific launcher wins:
/// OMPI_COMM_WORLD_SIZE (mpirun), PMI_SIZE (PMI-1/2), SLURM_STEP_NUM_TASKS
/// (an srun step), then SLURM_NTASKS (the job's tasks, seen by a process the
/// batch script started directly).
std::optional<std::string> launch_mismatch(int world_size, const EnvLookup& env);

/// The same, reading the process environment.
std::optional<std::string> launch_mismatch(int world_size);

}  // namespace p2pgrid
