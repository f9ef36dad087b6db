#pragma once
/// The jobs table: one row per submitted job, written once when the job's
/// fate is final (completed, failed, or still open when the run ended).
/// Every job ends in exactly one of these: completed; failed with a reason
/// (unmatchable, match_deadline, client_gave_up); or open when the run ended
/// before that (a run that lasts past every deadline has none).

#include <array>
#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid {

// A new value needs its name in the table below it: the trace stores these
// columns as HDF5 enums built from the tables, so readers see the names.
enum class JobStatus : std::uint32_t { kCompleted = 0, kFailed = 1, kOpenAtEnd = 2 };

inline constexpr std::array kJobStatusNames{
    EnumMember{"completed", static_cast<std::uint32_t>(JobStatus::kCompleted)},
    EnumMember{"failed", static_cast<std::uint32_t>(JobStatus::kFailed)},
    EnumMember{"open_at_end", static_cast<std::uint32_t>(JobStatus::kOpenAtEnd)},
};

enum class JobFailure : std::uint32_t {
  kNone = 0,
  kUnmatchable = 1,       ///< no node in the system satisfies the constraints
  kClientGaveUp = 2,      ///< the client resubmitted grid.max_attempts times and heard no result or verdict
  kRunEnded = 3,          ///< the simulation ended first (status kOpenAtEnd)
  kMatchDeadline = 4,     ///< capable nodes may exist, but none was found within match.deadline
  kParentFailed = 5,      ///< a job it depends on failed, so it was never submitted
};

inline constexpr std::array kJobFailureNames{
    EnumMember{"none", static_cast<std::uint32_t>(JobFailure::kNone)},
    EnumMember{"unmatchable", static_cast<std::uint32_t>(JobFailure::kUnmatchable)},
    EnumMember{"client_gave_up", static_cast<std::uint32_t>(JobFailure::kClientGaveUp)},
    EnumMember{"run_ended", static_cast<std::uint32_t>(JobFailure::kRunEnded)},
    EnumMember{"match_deadline", static_cast<std::uint32_t>(JobFailure::kMatchDeadline)},
    EnumMember{"parent_failed", static_cast<std::uint32_t>(JobFailure::kParentFailed)},
};

struct JobRecord {
  std::uint64_t job;          ///< client << 32 | client's sequence number
  std::uint64_t guid;         ///< hash assigned by the injection peer
  std::uint32_t client;
  std::uint32_t owner;        ///< owner at the time the job ended (none: 0xffffffff)
  std::uint32_t run_node;     ///< node whose result the client accepted (none: 0xffffffff)
  std::uint32_t status;       ///< JobStatus
  std::uint32_t reason;       ///< JobFailure
  std::uint32_t recoveries;   ///< owner or run-node failures recovered from
  std::uint32_t resubmissions;
  std::uint32_t duplicate_runs;
  std::uint32_t match_hops;      ///< overlay hops spent routing and matching
  std::uint32_t match_messages;  ///< messages spent on matchmaking
  std::int64_t submit_ns;
  std::int64_t matched_ns;    ///< run node chosen (last time, if rematched); -1 never
  std::int64_t started_ns;    ///< accepted run started; -1 never
  std::int64_t finished_ns;   ///< result accepted by the client; -1 never
  std::int64_t ended_ns;      ///< the status became final (result accepted, failure known, or the run ended)
  double min_cpu;             ///< 0: unconstrained; units: grid::kResourceUnits
  double min_memory;
  double min_disk;
  std::int64_t run_time_ns;   ///< nominal run time from the profile
  std::uint64_t input_bytes;
  std::uint32_t user;         ///< whose job it is
  std::uint32_t parents;      ///< jobs it depended on (rows in the dependencies table)

  static const TableDesc kTable;
};

/// The dependencies table: one row per edge of a workflow, written with
/// the child's jobs row. The child was submitted only after the client
/// accepted the parent's result.
struct DependencyRecord {
  std::uint64_t job;     ///< the child
  std::uint64_t parent;  ///< a job it needs (same client)

  static const TableDesc kTable;
};

}  // namespace p2pgrid
