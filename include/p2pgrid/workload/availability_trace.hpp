#pragma once
/// Node availability traces in the Failure Trace Archive's event_trace
/// table (Kondo et al., "The Failure Trace Archive", CCGrid 2010), as
/// exported to text: one interval per row, tab-separated columns
///   event_id component_id node_id platform_id node_name event_type
///   event_start_time event_stop_time [event_end_reason]
/// with event_type 0 = unavailable, 1 = available, times in seconds
/// (integers or floats, usually Unix time). Lines starting with '#' and a
/// header row starting with "event_id" are skipped; a line without tabs is
/// split on spaces.
///
/// The trace becomes fault-plan events (docs/workloads.md): every
/// unavailability interval of a trace node is a crash at its start and a
/// restart at its stop on the peer that follows the node. A peer is up
/// outside the trace's unavailability intervals; rows of type 1 only count
/// as nodes. Overlapping or touching intervals of one node are merged (a
/// restart and a crash at the same instant would otherwise leave the peer
/// up). Trace time `origin` maps to the end of the warm-up; intervals are
/// clipped to [warm-up, run end).
///
/// Trace nodes are numbered 0, 1, ... in ascending node_id order. Peer p >=
/// node_offset follows trace node r = p - node_offset: in "first" mapping
/// only while r < nodes (later peers never fail, surplus nodes are unused);
/// in "modulo" mapping node r mod nodes, so a small trace drives any number
/// of peers. Peers below node_offset and exempt peers never fail.

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/sim/fault_plan.hpp"

namespace p2pgrid::workload {

/// The event_trace columns, in file order.
enum class FtaColumn : std::uint8_t {
  kEventId, kComponentId, kNodeId, kPlatformId, kNodeName, kEventType, kEventStartTime, kEventStopTime,
  kEventEndReason,
};
inline constexpr std::size_t kFtaColumns = 9;
inline constexpr std::size_t kFtaRequiredColumns = 8;  ///< event_end_reason may be left out

/// One unavailability interval, in trace seconds.
struct DownInterval {
  std::uint64_t node = 0;  ///< the trace's node_id
  double start_s = 0;
  double stop_s = 0;
  std::uint64_t line = 0;
};

struct AvailabilityReport {
  std::uint64_t lines = 0;         ///< every line of the file
  std::uint64_t comments = 0;      ///< comment ('#'), header and blank lines
  std::uint64_t unavailable = 0;   ///< rows of event_type 0
  std::uint64_t available = 0;     ///< rows of event_type 1
  std::uint64_t empty = 0;         ///< unavailability rows with stop == start (skipped)
};

struct AvailabilityTrace {
  std::string file;                   ///< the name used in errors
  std::vector<std::uint64_t> nodes;   ///< every node_id of the trace, ascending, once
  std::vector<DownInterval> down;     ///< in file order
  double earliest_s = 0;              ///< the smallest event_start_time of any row
  AvailabilityReport report;
};

/// Reads an event_trace table; `file` names it in errors. Throws TraceFileError.
AvailabilityTrace read_availability(std::istream& in, const std::string& file);
/// Same, from a path ("PATH: cannot open" if it cannot be read).
AvailabilityTrace read_availability_file(const std::string& path);

enum class NodeMapping : std::uint8_t { kFirst, kModulo };

/// "first" or "modulo"; throws std::invalid_argument otherwise.
NodeMapping parse_node_mapping(std::string_view text);

struct AvailabilityOptions {
  std::uint32_t peers = 0;
  Time end = Time::never();         ///< run end: nothing at or after it
  Duration warmup;                  ///< trace time `origin` happens here; no failure before it
  double origin_s = -1;             ///< trace seconds; negative: the trace's earliest event_start_time
  double time_scale = 1.0;          ///< every trace duration is multiplied by this: 0.5 replays twice as fast
  std::uint32_t node_offset = 0;    ///< the first peer that follows the trace
  NodeMapping mapping = NodeMapping::kFirst;
  std::function<bool(PeerId)> exempt;  ///< peers that never fail (may be empty)
};

struct AvailabilityPlanReport {
  std::uint64_t peers = 0;      ///< peers that follow a trace node
  std::uint64_t exempt = 0;     ///< peers that would have followed one but are exempt
  std::uint64_t unused_nodes = 0;  ///< trace nodes no peer follows
  std::uint64_t merged = 0;     ///< intervals merged into an overlapping or touching one (counted per node)
  std::uint64_t crashes = 0;
  std::uint64_t restarts = 0;
};

/// Appends the trace's crash and restart events to `plan` (not normalized:
/// the caller normalizes once). Throws std::invalid_argument for bad options.
AvailabilityPlanReport append_availability(FaultPlan& plan, const AvailabilityTrace& trace,
                                           const AvailabilityOptions& options);

}  // namespace p2pgrid::workload
