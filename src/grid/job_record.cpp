#include "p2pgrid/grid/job_record.hpp"

#include <array>
#include <cstddef>

#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid {
namespace {
using grid::kResourceUnits;
constexpr std::array kJobFields{
    FieldDesc{"job", FieldType::kU64, offsetof(JobRecord, job), "", "client << 32 | client's sequence number"},
    FieldDesc{"guid", FieldType::kU64, offsetof(JobRecord, guid), "", "GUID from the injection peer's hash"},
    FieldDesc{"client", FieldType::kU32, offsetof(JobRecord, client), "", "submitting peer"},
    FieldDesc{"owner", FieldType::kU32, offsetof(JobRecord, owner), "", "owner when the job ended", {}, kNoPeer},
    FieldDesc{"run_node", FieldType::kU32, offsetof(JobRecord, run_node), "", "node whose result was accepted", {},
              kNoPeer},
    FieldDesc{"status", FieldType::kU32, offsetof(JobRecord, status), "", "final state", kJobStatusNames},
    FieldDesc{"reason", FieldType::kU32, offsetof(JobRecord, reason), "", "why it failed or is open",
              kJobFailureNames},
    FieldDesc{"recoveries", FieldType::kU32, offsetof(JobRecord, recoveries), "", "owner/run-node failures recovered"},
    FieldDesc{"resubmissions", FieldType::kU32, offsetof(JobRecord, resubmissions), "", "client resubmissions"},
    FieldDesc{"duplicate_runs", FieldType::kU32, offsetof(JobRecord, duplicate_runs), "",
              "executions beyond the accepted one"},
    FieldDesc{"match_hops", FieldType::kU32, offsetof(JobRecord, match_hops), "",
              "overlay hops routing and matching (a failed job: as its owner reported; 0: the client gave up, or open)"},
    FieldDesc{"match_messages", FieldType::kU32, offsetof(JobRecord, match_messages), "",
              "matchmaking messages (counted as match_hops)"},
    FieldDesc{"submit", FieldType::kI64, offsetof(JobRecord, submit_ns), "ns", "client submitted"},
    FieldDesc{"matched", FieldType::kI64, offsetof(JobRecord, matched_ns), "ns", "run node chosen", {}, kNever},
    FieldDesc{"started", FieldType::kI64, offsetof(JobRecord, started_ns), "ns", "accepted run started", {}, kNever},
    FieldDesc{"finished", FieldType::kI64, offsetof(JobRecord, finished_ns), "ns", "result accepted", {}, kNever},
    FieldDesc{"ended", FieldType::kI64, offsetof(JobRecord, ended_ns), "ns",
              "status became final: result accepted, failure known to the client, or the run's end (open)"},
    FieldDesc{"min_cpu", FieldType::kF64, offsetof(JobRecord, min_cpu), kResourceUnits[0],
              "required CPU speed; 0 none"},
    FieldDesc{"min_memory", FieldType::kF64, offsetof(JobRecord, min_memory), kResourceUnits[1],
              "required memory; 0 none"},
    FieldDesc{"min_disk", FieldType::kF64, offsetof(JobRecord, min_disk), kResourceUnits[2], "required disk; 0 none"},
    FieldDesc{"run_time", FieldType::kI64, offsetof(JobRecord, run_time_ns), "ns", "nominal run time"},
    FieldDesc{"input_bytes", FieldType::kU64, offsetof(JobRecord, input_bytes), "bytes", "input size"},
    FieldDesc{"user", FieldType::kU32, offsetof(JobRecord, user), "", "whose job it is (docs/fairness.md)"},
    FieldDesc{"parents", FieldType::kU32, offsetof(JobRecord, parents), "",
              "jobs it depended on (the dependencies table)"},
};
constexpr std::array kDependencyFields{
    FieldDesc{"job", FieldType::kU64, offsetof(DependencyRecord, job), "", "the child job"},
    FieldDesc{"parent", FieldType::kU64, offsetof(DependencyRecord, parent), "", "a job it needed first"},
};
}  // namespace

const TableDesc JobRecord::kTable{"jobs", sizeof(JobRecord), kJobFields, "One row per submitted job.", 1};
static_assert(sizeof(JobRecord) == 144);

const TableDesc DependencyRecord::kTable{"dependencies", sizeof(DependencyRecord), kDependencyFields,
                                         "One row per workflow edge: the child job and one parent.", 2};
static_assert(sizeof(DependencyRecord) == 16);

}  // namespace p2pgrid
