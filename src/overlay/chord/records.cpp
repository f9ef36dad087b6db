#include "p2pgrid/overlay/chord/records.hpp"

#include <array>
#include <cstddef>

#include "p2pgrid/overlay/chord/lookup_status.hpp"

namespace p2pgrid::chord {
namespace {
// The names of LookupStatus, in its order (a new value needs its name here).
constexpr std::array kLookupOutcomes{
    EnumMember{"answered", static_cast<std::uint32_t>(LookupStatus::kOk)},
    EnumMember{"timed_out", static_cast<std::uint32_t>(LookupStatus::kTimedOut)},
    EnumMember{"hop_limit", static_cast<std::uint32_t>(LookupStatus::kHopLimit)},
    EnumMember{"no_route", static_cast<std::uint32_t>(LookupStatus::kNoRoute)},
    EnumMember{"not_joined", static_cast<std::uint32_t>(LookupStatus::kNotJoined)},
    EnumMember{"busy", static_cast<std::uint32_t>(LookupStatus::kBusy)},
};
static_assert(kLookupOutcomes.size() == kMaxLookupStatus + 1U);
constexpr std::array kLookupFields{
    FieldDesc{"time", FieldType::kI64, offsetof(LookupRecord, time_ns), "ns", "when the lookup was issued"},
    FieldDesc{"origin", FieldType::kU32, offsetof(LookupRecord, origin), "", "peer that issued it"},
    FieldDesc{"result", FieldType::kU32, offsetof(LookupRecord, result), "",
              "successor returned (none if failed)", {}, kNoPeer},
    FieldDesc{"key", FieldType::kU64, offsetof(LookupRecord, key), "", "ring key looked up"},
    FieldDesc{"latency", FieldType::kI64, offsetof(LookupRecord, latency_ns), "ns", "issue to answer"},
    FieldDesc{"hops", FieldType::kU32, offsetof(LookupRecord, hops), "", "peers queried"},
    FieldDesc{"outcome", FieldType::kU32, offsetof(LookupRecord, outcome), "",
              "how it ended; failed: timed_out (chord.lookup_timeouts unanswered), hop_limit, no_route (around a "
              "dead peer), not_joined (the origin), busy (8 lookups in flight)",
              kLookupOutcomes},
};
constexpr std::array kJoinFields{
    FieldDesc{"time", FieldType::kI64, offsetof(JoinRecord, time_ns), "ns", "when the peer joined (its join lookup answered)"},
    FieldDesc{"peer", FieldType::kU32, offsetof(JoinRecord, peer), "", "the peer"},
    FieldDesc{"successor", FieldType::kU32, offsetof(JoinRecord, successor), "", "successor found by the join lookup"},
    FieldDesc{"predecessor", FieldType::kU32, offsetof(JoinRecord, predecessor), "",
              "predecessor named by the owner", {}, kNoPeer},
    FieldDesc{"hops", FieldType::kU32, offsetof(JoinRecord, hops), "", "peers queried by the join lookup"},
};
constexpr std::array kSnapshotFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(SnapshotRecord, peer), "", "the peer"},
    FieldDesc{"alive", FieldType::kU32, offsetof(SnapshotRecord, alive), "", "1 if up at the end"},
    FieldDesc{"id", FieldType::kU64, offsetof(SnapshotRecord, id), "", "ring id"},
    FieldDesc{"successor", FieldType::kU32, offsetof(SnapshotRecord, successor), "",
              "successor", {}, kNoPeer},
    FieldDesc{"predecessor", FieldType::kU32, offsetof(SnapshotRecord, predecessor), "",
              "predecessor", {}, kNoPeer},
};
}  // namespace

const TableDesc LookupRecord::kTable{"lookups", sizeof(LookupRecord), kLookupFields,
                                     "Chord lookups: one row per finished lookup.", 2};
const TableDesc JoinRecord::kTable{"chord_joins", sizeof(JoinRecord), kJoinFields,
                                   "Chord joins: one row per completed join (not the ring's creator).", 2};
const TableDesc SnapshotRecord::kTable{"chord_snapshot", sizeof(SnapshotRecord), kSnapshotFields,
                                       "Chord overlay at the end of the run: one row per peer.", 1};
static_assert(sizeof(LookupRecord) == 40);
static_assert(sizeof(SnapshotRecord) == 24);
static_assert(sizeof(JoinRecord) == 24);

}  // namespace p2pgrid::chord
