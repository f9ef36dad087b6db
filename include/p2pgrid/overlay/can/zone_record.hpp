#pragma once
/// The final zone snapshot: one can_zones row per zone each peer holds at
/// the end of the run (several rows for a peer with several zones). Bounds
/// are exact: dyadic fractions with at most 32 bits, so doubles hold them
/// without rounding. Dimensions beyond d read [0, 1).

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

struct ZoneRecord {
  std::uint32_t peer;
  std::uint32_t zone;   ///< index among the peer's zones
  std::uint32_t alive;  ///< 1 if the peer was up at the end
  std::uint32_t zones;  ///< how many zones the peer holds
  double lo[kMaxDims];  ///< lower corner
  double hi[kMaxDims];  ///< upper corner (exclusive)
  double point[kMaxDims];  ///< the peer's own point at the end (a zone of an up-to-date peer holds it)

  static const TableDesc kTable;
};

}  // namespace p2pgrid::can
