#pragma once
/// The pure parts of pushing (seed paper §3.3, "pushing jobs into
/// underloaded regions based on dynamic aggregated load information";
/// rules in docs/can-match.md): per real dimension, the load of the line of
/// zones above a peer, and the decision to push a job up that line.
///
/// Line aggregate of peer p in dimension d: A_d(p) = (1, load(p)) + A_d(u),
/// where u = upper_in(p's zone, d) is the owner of the point just above the
/// centre of p's upper face in d. Each peer sends its three aggregates to
/// the neighbours it is the upper of, every push period, so A_d follows the
/// line from the top down, one zone per period; a value not refreshed
/// within its lifetime is dropped (the line above is then unknown).

#include <array>
#include <cstdint>
#include <span>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/overlay/can/neighbour_table.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::match {

/// Jobs queued along a line of zones: `count` peers holding `total` jobs.
/// count 0 means unknown.
struct LineAggregate {
  std::uint32_t count = 0;
  std::uint32_t total = 0;
  friend constexpr bool operator==(const LineAggregate&, const LineAggregate&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("count", s.count);
    v("total", s.total);
  }
};

/// The line starting at a peer with `own_load`, given the line above it
/// (unknown: the peer is the top of its line). Saturates, never wraps.
LineAggregate extend_line(LineAggregate above, std::uint32_t own_load);

/// The point just above the centre of `zone`'s upper face in `dim`; false
/// if that face is the space's boundary. Example (d = 2): zone
/// [0,1/2)x[1/4,1/2), dim 0 -> (1/2, 3/8).
bool upper_probe_point(const can::Zone& zone, int dim, int dims, can::Point& out);

/// The live neighbour whose zone holds upper_probe_point(zone, dim): the
/// designated upper neighbour in `dim`. None at the boundary or if the
/// table has no such zone.
PeerId upper_in(const can::Zone& zone, int dim, int dims, const can::NeighbourTable& table, Time alive_since);

/// True when this peer's zones hold the designated upper point of one of
/// `their` zones in `dim`: the neighbour owning `their` reads this peer's
/// aggregate for `dim`, so it is sent there.
bool is_upper_of(std::span<const can::Zone> mine, std::span<const can::Zone> their, int dim, int dims);

/// One way up: the designated upper neighbour in a dimension.
struct PushOption {
  PeerId upper;          ///< none: no way up in this dimension
  bool capable = false;  ///< its capabilities meet the job's every constraint
  LineAggregate line;    ///< the line starting at it (count 0: unknown)
};

struct PushDecision {
  PeerId to = PeerId::none();  ///< none: keep the job here
  int dim = -1;
};

/// Push iff some capable option's line is lighter on average than
/// `threshold` times `local_load` (the load the job would get here, the
/// least loaded local candidate's): total / count < threshold * local_load.
/// The lightest such line wins, ties to the lower dimension. With an idle
/// local candidate (load 0) nothing is pushed.
PushDecision decide_push(std::span<const PushOption> options, std::uint32_t local_load, double threshold);

}  // namespace p2pgrid::match
