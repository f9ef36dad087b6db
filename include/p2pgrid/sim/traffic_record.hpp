#pragma once
/// Messages and bytes each peer sent and received, per protocol: the
/// overhead of each role (overlay upkeep, job handling, matchmaking) and
/// the peers where it concentrates. Counted by the engine only when
/// trace.traffic is on (it costs memory per peer). A payload routed through
/// an overlay counts under that overlay at every hop; only the last peer
/// hands it to the protocol it carries.

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid {

struct TrafficRecord {
  std::uint32_t peer;
  std::uint32_t protocol;  ///< ProtocolId of the message's header
  std::uint64_t sent;
  std::uint64_t sent_bytes;
  std::uint64_t received;  ///< delivered to the peer while it was up
  std::uint64_t received_bytes;

  static const TableDesc kTable;
};

}  // namespace p2pgrid
