#pragma once
/// The `oracle` bootstrap: zones at time 0 as if peers 0..N-1 had joined in
/// id order through the protocol, with exact neighbour tables. It is an
/// oracle (it reads every peer's point, which only the seed determines),
/// runs outside the protocol handlers, before the first event, and each
/// rank installs only its own peers' state.

#include <cstddef>
#include <functional>
#include <vector>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/overlay/can/neighbour_table.hpp"
#include "p2pgrid/overlay/can/params.hpp"

namespace p2pgrid::can {

/// Calls install(slot, zones, table) for every peer of `shard` that the
/// replayed joins gave a zone (a peer whose point lands in an unsplittable
/// zone gets none and joins through the protocol when it starts).
void oracle_bootstrap(const Params& params, const ShardPeers& shard,
                      const std::function<void(std::size_t slot, std::vector<Zone> zones, NeighbourTable table)>& install);

}  // namespace p2pgrid::can
