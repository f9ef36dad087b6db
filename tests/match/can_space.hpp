#pragma once
// A static CAN space for the matchmaking unit tests and benchmark: every
// peer's zone and exact neighbour table from the oracle bootstrap, the
// split tree (an independent owner lookup) and the peers' capabilities.

#include <vector>

#include "p2pgrid/overlay/can/capabilities.hpp"
#include "p2pgrid/overlay/can/neighbour_table.hpp"
#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"
#include "p2pgrid/overlay/can/params.hpp"
#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::test {

struct CanSpace {
  can::Params params;
  std::vector<can::Zone> zone;  ///< by peer id (whole space if the peer got none)
  std::vector<can::NeighbourTable> table;
  std::vector<bool> joined;
  std::vector<can::Point> point;
  std::vector<can::Capabilities> caps;
  can::SplitTree tree{4, PeerId{0}};

  CanSpace(std::uint32_t peers, std::uint64_t seed, can::Population population) {
    params.seed = seed;
    params.peers = peers;
    params.capabilities.population = population;
    zone.resize(peers);
    table.resize(peers);
    joined.assign(peers, false);
    ShardPeers shard;
    for (std::uint32_t i = 0; i < peers; ++i) {
      shard.peers.push_back(PeerId{i});
      point.push_back(can::point_of(params.capabilities, seed, PeerId{i}, params.resources, params.virtual_dim));
      caps.push_back(can::capabilities_of(params.capabilities, seed, PeerId{i}));
    }
    can::oracle_bootstrap(params, shard, [&](std::size_t slot, std::vector<can::Zone> zones, can::NeighbourTable t) {
      zone[slot] = zones.front();
      table[slot] = std::move(t);
      joined[slot] = true;
    });
    tree = can::SplitTree(params.dims(), PeerId{0}, params.join_rule, params.virtual_index());
    for (std::uint32_t i = 1; i < peers; ++i) tree.insert(PeerId{i}, point[i], point[tree.owner_at(point[i]).value]);
  }
};

}  // namespace p2pgrid::test
