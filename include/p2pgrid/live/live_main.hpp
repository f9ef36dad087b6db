#pragma once
/// The live subcommands of the p2pgrid binary: node, submit, status, result
/// and stats. They run without MPI: main() hands them over before
/// MPI_Init.

namespace p2pgrid::live {

/// True if argv[1] names a live subcommand.
bool is_live_command(int argc, char** argv);
/// Runs one; exit code 0 ok, 1 failed (a job that failed, no answer), 2 bad input.
int live_main(int argc, char** argv);

}  // namespace p2pgrid::live
