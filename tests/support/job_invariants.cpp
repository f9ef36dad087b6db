#include "support/job_invariants.hpp"

#include <gtest/gtest.h>

#include <map>

namespace p2pgrid::test {

JobOutcomes expect_every_job_final(const std::vector<JobRecord>& jobs,
                                   const std::vector<grid::SubmissionRecord>& submissions,
                                   const std::vector<grid::HeldRecord>& held,
                                   const std::function<grid::Resources(PeerId)>& capabilities_of) {
  JobOutcomes out;
  std::map<std::uint64_t, int> rows;
  for (const grid::SubmissionRecord& s : submissions) rows.emplace(s.job, 0);
  out.submitted = rows.size();
  for (const JobRecord& j : jobs) {
    const auto it = rows.find(j.job);
    if (j.status == static_cast<std::uint32_t>(JobStatus::kFailed) &&
        j.reason == static_cast<std::uint32_t>(JobFailure::kParentFailed)) {
      // A workflow job whose parent failed: the client never submitted it.
      EXPECT_EQ(it, rows.end()) << "job " << j.job << " was submitted, yet failed for its parent";
      EXPECT_NE(j.parents, 0U) << "job " << j.job << " failed for a parent it does not have";
      ++out.parent_failed;
      continue;
    }
    EXPECT_NE(it, rows.end()) << "job " << j.job << " has a row but was never submitted";
    if (it != rows.end()) ++it->second;
    out.duplicate_runs += j.duplicate_runs;
    out.resubmissions += j.resubmissions;
    out.recoveries += j.recoveries;
    EXPECT_GE(j.ended_ns, j.submit_ns) << "job " << j.job;
    switch (static_cast<JobStatus>(j.status)) {
      case JobStatus::kCompleted: {
        ++out.completed;
        EXPECT_EQ(j.reason, 0U) << "job " << j.job << " completed with a failure reason";
        EXPECT_NE(j.run_node, PeerId::none().value) << "job " << j.job;
        EXPECT_LE(j.submit_ns, j.matched_ns) << "job " << j.job;
        EXPECT_LE(j.matched_ns, j.started_ns) << "job " << j.job;
        EXPECT_LE(j.started_ns + j.run_time_ns, j.finished_ns) << "job " << j.job;
        EXPECT_EQ(j.ended_ns, j.finished_ns) << "job " << j.job;
        const grid::Resources need{static_cast<std::uint32_t>(j.min_cpu), static_cast<std::uint32_t>(j.min_memory),
                                   static_cast<std::uint32_t>(j.min_disk)};
        EXPECT_TRUE(grid::satisfies(capabilities_of(PeerId{j.run_node}), need))
            << "job " << j.job << " ran on peer " << j.run_node << ", which cannot satisfy it";
        break;
      }
      case JobStatus::kFailed:
        EXPECT_EQ(j.run_node, PeerId::none().value) << "job " << j.job << " failed but names a run node";
        switch (static_cast<JobFailure>(j.reason)) {
          case JobFailure::kUnmatchable: ++out.unmatchable; break;
          case JobFailure::kMatchDeadline: ++out.match_deadline; break;
          case JobFailure::kClientGaveUp: ++out.client_gave_up; break;
          default: ADD_FAILURE() << "job " << j.job << " failed with reason " << j.reason; break;
        }
        break;
      case JobStatus::kOpenAtEnd:
        ++out.open;
        ADD_FAILURE() << "job " << j.job << " still open when the run ended (submitted at " << j.submit_ns
                      << " ns)";
        break;
      default: ADD_FAILURE() << "job " << j.job << " has status " << j.status; break;
    }
  }
  for (const auto& [job, n] : rows) EXPECT_EQ(n, 1) << "job " << job << " has " << n << " final rows";
  EXPECT_EQ(out.completed + out.failed() + out.open, out.submitted);
  for (const grid::HeldRecord& h : held) {
    ADD_FAILURE() << "peer " << h.peer << " still holds job state at the end: " << h.client_jobs << " client, "
                  << h.owned_jobs << " owned, " << h.queued_jobs << " queued, " << h.finished_unacked
                  << " unacknowledged";
  }
  return out;
}

}  // namespace p2pgrid::test
