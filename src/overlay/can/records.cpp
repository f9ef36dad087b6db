#include <array>
#include <cstddef>

#include "p2pgrid/overlay/can/probe_record.hpp"
#include "p2pgrid/overlay/can/zone_record.hpp"

namespace p2pgrid::can {
namespace {

constexpr std::array kZoneFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(ZoneRecord, peer), "", "the peer"},
    FieldDesc{"zone", FieldType::kU32, offsetof(ZoneRecord, zone), "", "index among the peer's zones"},
    FieldDesc{"alive", FieldType::kU32, offsetof(ZoneRecord, alive), "", "1 if the peer was up at the end"},
    FieldDesc{"zones", FieldType::kU32, offsetof(ZoneRecord, zones), "", "zones the peer holds"},
    FieldDesc{"lo0", FieldType::kF64, offsetof(ZoneRecord, lo) + 0 * sizeof(double), "", "lower bound, dim 0 (cpu)"},
    FieldDesc{"lo1", FieldType::kF64, offsetof(ZoneRecord, lo) + 1 * sizeof(double), "", "lower bound, dim 1"},
    FieldDesc{"lo2", FieldType::kF64, offsetof(ZoneRecord, lo) + 2 * sizeof(double), "", "lower bound, dim 2"},
    FieldDesc{"lo3", FieldType::kF64, offsetof(ZoneRecord, lo) + 3 * sizeof(double), "", "lower bound, dim 3"},
    FieldDesc{"hi0", FieldType::kF64, offsetof(ZoneRecord, hi) + 0 * sizeof(double), "", "upper bound, dim 0"},
    FieldDesc{"hi1", FieldType::kF64, offsetof(ZoneRecord, hi) + 1 * sizeof(double), "", "upper bound, dim 1"},
    FieldDesc{"hi2", FieldType::kF64, offsetof(ZoneRecord, hi) + 2 * sizeof(double), "", "upper bound, dim 2"},
    FieldDesc{"hi3", FieldType::kF64, offsetof(ZoneRecord, hi) + 3 * sizeof(double), "", "upper bound, dim 3"},
    FieldDesc{"p0", FieldType::kF64, offsetof(ZoneRecord, point) + 0 * sizeof(double), "", "the peer's point, dim 0"},
    FieldDesc{"p1", FieldType::kF64, offsetof(ZoneRecord, point) + 1 * sizeof(double), "", "the peer's point, dim 1"},
    FieldDesc{"p2", FieldType::kF64, offsetof(ZoneRecord, point) + 2 * sizeof(double), "", "the peer's point, dim 2"},
    FieldDesc{"p3", FieldType::kF64, offsetof(ZoneRecord, point) + 3 * sizeof(double), "", "the peer's point, dim 3"},
};

constexpr std::array kProbeOutcomes{EnumMember{"delivered", 0}, EnumMember{"timed_out", 1}};
constexpr std::array kProbeFields{
    FieldDesc{"time", FieldType::kI64, offsetof(ProbeRecord, time_ns), "ns", "when the probe was sent"},
    FieldDesc{"origin", FieldType::kU32, offsetof(ProbeRecord, origin), "", "the sending peer"},
    FieldDesc{"result", FieldType::kU32, offsetof(ProbeRecord, result), "", "owner of the point (none: timeout)", {},
              kNoPeer},
    FieldDesc{"latency", FieldType::kI64, offsetof(ProbeRecord, latency_ns), "ns", "reply arrival minus send time"},
    FieldDesc{"p0", FieldType::kF64, offsetof(ProbeRecord, point) + 0 * sizeof(double), "", "target, dim 0"},
    FieldDesc{"p1", FieldType::kF64, offsetof(ProbeRecord, point) + 1 * sizeof(double), "", "target, dim 1"},
    FieldDesc{"p2", FieldType::kF64, offsetof(ProbeRecord, point) + 2 * sizeof(double), "", "target, dim 2"},
    FieldDesc{"p3", FieldType::kF64, offsetof(ProbeRecord, point) + 3 * sizeof(double), "", "target, dim 3"},
    FieldDesc{"hops", FieldType::kU32, offsetof(ProbeRecord, hops), "", "overlay forwards to the owner"},
    FieldDesc{"outcome", FieldType::kU32, offsetof(ProbeRecord, outcome), "", "how it ended", kProbeOutcomes},
};

}  // namespace

const TableDesc ZoneRecord::kTable{"can_zones", sizeof(ZoneRecord), kZoneFields,
                                   "CAN zone snapshot at the end: one row per zone per peer.", 2};
const TableDesc ProbeRecord::kTable{"can_probes", sizeof(ProbeRecord), kProbeFields,
                                    "CAN routing probes: one row per probe at its origin.", 2};

static_assert(sizeof(ZoneRecord) == 112);
static_assert(sizeof(ProbeRecord) == 64);

}  // namespace p2pgrid::can
