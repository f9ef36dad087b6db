#include "p2pgrid/sim/engine_stats.hpp"

#include <array>
#include <cstddef>

namespace p2pgrid {
namespace {
constexpr std::array kStatsFields{
    FieldDesc{"rank", FieldType::kI64, offsetof(EngineStats, rank), "", "MPI rank"},
    FieldDesc{"peers", FieldType::kU64, offsetof(EngineStats, peers), "", "peers hosted by the rank"},
    FieldDesc{"events", FieldType::kU64, offsetof(EngineStats, events), "", "handler calls"},
    FieldDesc{"messages", FieldType::kU64, offsetof(EngineStats, messages), "", "messages sent"},
    FieldDesc{"remote_messages", FieldType::kU64, offsetof(EngineStats, remote_messages), "",
              "messages sent to another rank"},
    FieldDesc{"remote_bytes", FieldType::kU64, offsetof(EngineStats, remote_bytes), "bytes",
              "bytes of cross-rank batches sent"},
    FieldDesc{"dropped_dead", FieldType::kU64, offsetof(EngineStats, dropped_dead), "",
              "messages that arrived at a crashed peer"},
    FieldDesc{"lost", FieldType::kU64, offsetof(EngineStats, lost), "", "messages lost by the loss model"},
    FieldDesc{"partitioned", FieldType::kU64, offsetof(EngineStats, partitioned), "",
              "messages blocked by a network partition"},
    FieldDesc{"timers_cancelled", FieldType::kU64, offsetof(EngineStats, timers_cancelled), "", "timers cancelled"},
    FieldDesc{"windows", FieldType::kU64, offsetof(EngineStats, windows), "", "synchronisation windows"},
    FieldDesc{"sim_end", FieldType::kI64, offsetof(EngineStats, sim_end_ns), "ns", "simulated time reached"},
    FieldDesc{"wall_seconds", FieldType::kF64, offsetof(EngineStats, wall_seconds), "s",
              "wall time in the engine, summed over the segments between checkpoints"},
    FieldDesc{"exchange_seconds", FieldType::kF64, offsetof(EngineStats, exchange_seconds), "s",
              "wall time in cross-rank exchange, including waiting for other ranks"},
    FieldDesc{"peak_rss", FieldType::kU64, offsetof(EngineStats, peak_rss_bytes), "bytes",
              "peak resident memory of the rank's process"},
};
}  // namespace

const TableDesc EngineStats::kTable{"engine", sizeof(EngineStats), kStatsFields,
                                    "Engine statistics, one row per rank.", 1};
static_assert(sizeof(EngineStats) == std::size_t{15} * 8);

}  // namespace p2pgrid
