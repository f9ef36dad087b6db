#include "p2pgrid/trace/node_record.hpp"

#include <array>
#include <cstddef>

#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid {
namespace {
using grid::kResourceUnits;
constexpr std::array kNodeFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(NodeRecord, peer), "", "peer id"},
    FieldDesc{"rank", FieldType::kU32, offsetof(NodeRecord, rank), "", "MPI rank hosting the peer (placement only)"},
    FieldDesc{"join", FieldType::kI64, offsetof(NodeRecord, join_ns), "ns", "scheduled first start"},
    FieldDesc{"crash", FieldType::kI64, offsetof(NodeRecord, crash_ns), "ns",
              "first scheduled crash or leave at or after join", {}, kNever},
    FieldDesc{"crashes", FieldType::kU32, offsetof(NodeRecord, crashes), "", "scheduled crash and leave events"},
    FieldDesc{"restarts", FieldType::kU32, offsetof(NodeRecord, restarts), "", "scheduled restart events"},
    FieldDesc{"cpu", FieldType::kU32, offsetof(NodeRecord, cpu), kResourceUnits[0],
              "CPU speed (the unit of jobs.min_cpu); 0 when the stack has no capabilities"},
    FieldDesc{"memory", FieldType::kU32, offsetof(NodeRecord, memory), kResourceUnits[1],
              "memory (the unit of jobs.min_memory)"},
    FieldDesc{"disk", FieldType::kU32, offsetof(NodeRecord, disk), kResourceUnits[2],
              "disk (the unit of jobs.min_disk)"},
    FieldDesc{"jobs_run", FieldType::kU32, offsetof(NodeRecord, jobs_run), "",
              "completed jobs whose accepted result this node computed"},
    FieldDesc{"busy", FieldType::kI64, offsetof(NodeRecord, busy_ns), "ns",
              "time those runs took here (run_time, scaled by grid.scale_by_cpu)"},
};
}  // namespace

const TableDesc NodeRecord::kTable{
    "nodes", sizeof(NodeRecord), kNodeFields,
    "One row per peer: placement, scheduled faults, capabilities, and load (filled in at the end: 0 in an "
    "incomplete file).", 1};
static_assert(sizeof(NodeRecord) == 56);

}  // namespace p2pgrid
