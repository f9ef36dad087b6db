#pragma once
// Runs a scenario into an HDF5 trace the way `p2pgrid run -o FILE` does
// (a resumed run continues an existing FILE: docs/checkpoint.md), and reads
// a trace file's tables back in canonical form.

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid::test {

/// Collective. Writes (or, with checkpoint.resume_path and an existing
/// `path`, continues) the trace `path`; true if the run stopped for a checkpoint.
bool run_to_file(const boost::mpi::communicator& comm, const Scenario& scenario, const std::string& path,
                 CheckpointOptions checkpoint = {});

/// The canonical text of `tables` in the trace `path` (read serially by the
/// calling rank), in the same form as run_canonical's; "complete=N" first.
std::string file_canonical(const std::string& path, const std::vector<const TableDesc*>& tables);

}  // namespace p2pgrid::test
