#pragma once
/// Refuses a broken launch: `mpiexec -n N` or `srun -n N` that started N
/// singletons (each MPI_COMM_WORLD of size 1) instead of one N-rank job,
/// which would silently run N copies of the same scenario.

#include <optional>
#include <string>

namespace p2pgrid {

/// An error message when the launcher's task count disagrees with the
/// communicator size; nothing when they agree or no launcher is known.
std::optional<std::string> launch_mismatch(int world_size);

}  // namespace p2pgrid
