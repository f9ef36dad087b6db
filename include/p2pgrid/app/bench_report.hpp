#pragma once
/// `p2pgrid bench`: runs scale scenarios one after another without traces
/// and prints one row of speed and memory figures per scenario.

#include <boost/mpi/communicator.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace p2pgrid {

/// Collective. Returns the exit code (2 on bad input, before anything runs).
int run_bench(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
              const boost::mpi::communicator& comm, std::ostream& out);

}  // namespace p2pgrid
