#pragma once
// Runs a scenario on a given communicator and returns, on its rank 0, the
// canonical text of the chosen trace tables gathered from every rank.
// Equivalence tests split MPI_COMM_WORLD into 1-, 2- and 4-rank
// communicators and compare these strings.

#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid::test {

/// Runs the scenario and returns, on comm rank 0, every rank's rows of
/// `tables` (empty elsewhere).
MemoryTraceSink run_gathered(const boost::mpi::communicator& comm, const Scenario& scenario,
                             const std::vector<const TableDesc*>& tables, const BeforeRun& before_run = {},
                             const CheckpointOptions& checkpoint = {});

/// Canonical text of `tables`, on comm rank 0 (empty elsewhere).
std::string run_canonical(const boost::mpi::communicator& comm, const Scenario& scenario,
                          const std::vector<const TableDesc*>& tables, const BeforeRun& before_run = {});

/// A Scenario from TOML text with overrides.
Scenario scenario_from_text(const std::string& toml, const std::vector<std::string>& overrides = {});

/// The first `n` ranks of `world` (others get a null communicator).
boost::mpi::communicator first_ranks(const boost::mpi::communicator& world, int n);

}  // namespace p2pgrid::test
