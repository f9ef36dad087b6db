#include "p2pgrid/match/rntree_record.hpp"

#include <array>
#include <cstddef>

#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::match {
namespace {
constexpr std::array kFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(RnTreeParentRecord, peer), "", "the peer (live at the end)"},
    FieldDesc{"parent", FieldType::kU32, offsetof(RnTreeParentRecord, parent), "",
              "its RN-Tree parent (none: root or not joined)", {}, kNoPeer},
    FieldDesc{"joined", FieldType::kU32, offsetof(RnTreeParentRecord, joined), "", "1 if on the Chord ring"},
    FieldDesc{"root", FieldType::kU32, offsetof(RnTreeParentRecord, root), "", "1 if it is a root"},
    FieldDesc{"subtree_size", FieldType::kU32, offsetof(RnTreeParentRecord, subtree_size), "",
              "1 + the subtree sizes its live children last reported"},
    FieldDesc{"children", FieldType::kU32, offsetof(RnTreeParentRecord, children), "",
              "children heard from within the lifetime"},
    FieldDesc{"max_cpu", FieldType::kU32, offsetof(RnTreeParentRecord, max_cpu), grid::kResourceUnits[0],
              "subtree maximum CPU speed"},
    FieldDesc{"max_memory", FieldType::kU32, offsetof(RnTreeParentRecord, max_memory), grid::kResourceUnits[1],
              "subtree maximum memory"},
    FieldDesc{"max_disk", FieldType::kU32, offsetof(RnTreeParentRecord, max_disk), grid::kResourceUnits[2],
              "subtree maximum disk"},
};
}  // namespace

const TableDesc RnTreeParentRecord::kTable{"rntree_parents", sizeof(RnTreeParentRecord), kFields,
                                           "The RN-Tree at the end of the run: one row per live peer.", 1};
static_assert(sizeof(RnTreeParentRecord) == 36);

}  // namespace p2pgrid::match
