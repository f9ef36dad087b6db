#include "p2pgrid/trace/node_record.hpp"

#include <array>
#include <cstddef>

namespace p2pgrid {
namespace {
constexpr std::array kNodeFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(NodeRecord, peer), "", "peer id"},
    FieldDesc{"rank", FieldType::kU32, offsetof(NodeRecord, rank), "", "MPI rank hosting the peer (placement only)"},
    FieldDesc{"join", FieldType::kI64, offsetof(NodeRecord, join_ns), "ns", "scheduled first start"},
    FieldDesc{"crash", FieldType::kI64, offsetof(NodeRecord, crash_ns), "ns",
              "first scheduled crash or leave at or after join; -1 none"},
    FieldDesc{"crashes", FieldType::kU32, offsetof(NodeRecord, crashes), "", "scheduled crash and leave events"},
    FieldDesc{"restarts", FieldType::kU32, offsetof(NodeRecord, restarts), "", "scheduled restart events"},
};
}  // namespace

const TableDesc NodeRecord::kTable{"nodes", sizeof(NodeRecord), kNodeFields,
                                   "One row per peer: placement, start and scheduled faults.", 1};
static_assert(sizeof(NodeRecord) == 32);

}  // namespace p2pgrid
