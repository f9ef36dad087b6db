#pragma once
/// `p2pgrid bench`: runs scale scenarios one after another without traces
/// and prints one row of speed and memory figures per scenario; with a CSV
/// path it also appends each row there, for postprocess's scaling plot.

#include <boost/mpi/communicator.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace p2pgrid {

/// The CSV's columns, in order (its header line).
extern const char* const kBenchCsvHeader;

/// Collective. Returns the exit code (2 on bad input, before anything runs).
/// `csv_path` empty: no CSV.
int run_bench(const std::vector<std::string>& configs, const std::vector<std::string>& overrides,
              const std::string& csv_path, bool memory, const boost::mpi::communicator& comm, std::ostream& out);

}  // namespace p2pgrid
