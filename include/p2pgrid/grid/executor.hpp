#pragma once
/// How a run node runs the job at the front of its queue. The emulator has
/// none (grid::Params::executor is null): the job occupies the node for its
/// run time, a timer. A live node runs the real program and fires the same
/// completion timer when the program ends, so the job layer cannot tell the
/// two apart and the emulator's event order is untouched.

#include <cstdint>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  /// Starts `job` on this peer. When it ends, on_timer(`tag`) must reach the
  /// job layer, as the completion timer `ctx.set_timer(run_time, tag)` would.
  /// Returns what stop() is given.
  virtual TimerId start(Context& ctx, const JobProfile& job, Duration run_time, std::uint64_t tag) = 0;
  /// The job layer dropped the running job (its owner gave it to another
  /// node): end it; its completion must not fire.
  virtual void stop(Context& ctx, TimerId running) = 0;
};

}  // namespace p2pgrid::grid
