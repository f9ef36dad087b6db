#pragma once
/// Checks before a run starts: a run that cannot write its trace, would
/// overwrite its own config or an input file, or cannot fit in memory is
/// refused with a message instead of failing (or destroying data) later.

#include <boost/mpi/communicator.hpp>
#include <optional>
#include <string>

#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {

/// What is wrong with `output` as this scenario's trace (empty: nothing).
/// Checked on rank 0 only (it touches the file system) and broadcast, so
/// that every rank gets the same answer and exits the same way.
std::optional<std::string> output_path_problem(const std::string& output, const std::string& config_path,
                                               const Scenario& scenario, const boost::mpi::communicator& comm);

/// The output path, then the memory each host needs for its ranks' share
/// of the peers and their first events (memory_problem), the same answer
/// on every rank. Empty: the run may start.
std::optional<std::string> preflight_problem(const std::string& output, const std::string& config_path,
                                             const Scenario& scenario, const boost::mpi::communicator& comm);

}  // namespace p2pgrid
