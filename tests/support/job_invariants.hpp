#pragma once
// The invariant every grid run must meet once it has lasted past every
// deadline: each submitted job has exactly one row, completed or failed
// with a named reason, none open; a completed job ran on a node that
// satisfies it; no peer still holds job state (grid_held is empty), so
// the grid has stopped working. Checked with GoogleTest expectations.

#include <cstddef>
#include <functional>
#include <vector>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/job_record.hpp"

namespace p2pgrid::test {

struct JobOutcomes {
  std::size_t submitted = 0;
  std::size_t completed = 0;
  std::size_t unmatchable = 0;
  std::size_t match_deadline = 0;
  std::size_t client_gave_up = 0;
  std::size_t parent_failed = 0;  ///< workflow jobs never submitted (not in `submitted`)
  std::size_t open = 0;
  std::size_t duplicate_runs = 0;
  std::size_t resubmissions = 0;
  std::size_t recoveries = 0;
  [[nodiscard]] std::size_t failed() const { return unmatchable + match_deadline + client_gave_up; }
};

/// Expects the invariant of the jobs, submissions and grid_held tables of
/// one run; `capabilities_of` is the nodes' capability function recomputed
/// by the test. Returns the counts (for further, scenario-specific checks).
JobOutcomes expect_every_job_final(const std::vector<JobRecord>& jobs,
                                   const std::vector<grid::SubmissionRecord>& submissions,
                                   const std::vector<grid::HeldRecord>& held,
                                   const std::function<grid::Resources(PeerId)>& capabilities_of);

}  // namespace p2pgrid::test
