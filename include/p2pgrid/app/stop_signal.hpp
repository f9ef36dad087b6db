#pragma once
/// SIGTERM and SIGUSR1 (Slurm's `--signal=B:USR1@120` before a time limit)
/// ask a run to stop at the next window boundary and write its checkpoint
/// (docs/checkpoint.md). The handler only sets a flag the engine polls.

namespace p2pgrid {

/// Installs the handlers for SIGTERM and SIGUSR1.
void install_stop_signals();
/// True once either signal arrived.
bool stop_signalled();
/// Gives both signals their default action back (the run ends at once).
void restore_default_stop_signals();

}  // namespace p2pgrid
