#include "p2pgrid/sim/fault_plan.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>

namespace p2pgrid {

std::string_view to_string(FaultAction a) {
  switch (a) {
    case FaultAction::kCrash: return "crash";
    case FaultAction::kRestart: return "restart";
    case FaultAction::kLeave: return "leave";
  }
  return "?";
}

void FaultPlan::normalize() {
  std::sort(events.begin(), events.end(), [](const FaultEvent& a, const FaultEvent& b) {
    return std::tie(a.at, a.peer, a.action) < std::tie(b.at, b.peer, b.action);
  });
}

namespace {
// 0 is not a FaultAction: a start is scheduled by the deployment, not the plan.
constexpr std::array kFaultActionNames{
    EnumMember{"start", 0},
    EnumMember{"crash", static_cast<std::uint32_t>(FaultAction::kCrash)},
    EnumMember{"restart", static_cast<std::uint32_t>(FaultAction::kRestart)},
    EnumMember{"leave", static_cast<std::uint32_t>(FaultAction::kLeave)},
};
constexpr std::array kFaultFields{
    FieldDesc{"time", FieldType::kI64, offsetof(FaultRecord, time_ns), "ns", "when the peer changed state"},
    FieldDesc{"peer", FieldType::kU32, offsetof(FaultRecord, peer), "", "the peer"},
    FieldDesc{"action", FieldType::kU32, offsetof(FaultRecord, action), "", "what happened", kFaultActionNames},
};
}  // namespace

const TableDesc FaultRecord::kTable{"faults", sizeof(FaultRecord), kFaultFields,
                                    "Every peer start, crash, restart and graceful leave.", 2};
static_assert(sizeof(FaultRecord) == 16);

}  // namespace p2pgrid
