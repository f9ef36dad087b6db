#include "p2pgrid/overlay/can/oracle_bootstrap.hpp"

#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::can {

void oracle_bootstrap(const Params& params, const ShardPeers& shard,
                      const std::function<void(std::size_t, std::vector<Zone>, NeighbourTable)>& install) {
  if (params.peers == 0) return;
  // Every rank replays all joins (each depends on the ones before), which
  // needs only the points; the tables are then built for local peers alone.
  std::vector<Point> points(params.peers);
  for (std::uint32_t i = 0; i < params.peers; ++i) {
    points[i] = point_of(params.capabilities, params.seed, PeerId{i}, params.resources, params.virtual_dim);
  }
  SplitTree tree(params.dims(), PeerId{0}, params.join_rule, params.virtual_index());
  for (std::uint32_t i = 1; i < params.peers; ++i) {
    tree.insert(PeerId{i}, points[i], points[tree.owner_at(points[i]).value]);
  }

  for (std::size_t slot = 0; slot < shard.peers.size(); ++slot) {
    const PeerId peer = shard.peers[slot];
    const std::uint32_t leaf = tree.leaf_owned_by(peer);
    if (leaf == SplitTree::kNone) continue;
    const Zone zone = tree.zone(leaf);
    NeighbourTable table;
    // Every peer owns one leaf here, so each neighbour has one zone.
    tree.for_each_abutting(zone, [&](PeerId owner, const Zone& z) {
      table.upsert(owner, points[owner.value], 0, Time::zero(), std::span<const Zone>(&z, 1));
    });
    install(slot, std::vector<Zone>{zone}, std::move(table));
  }
}

}  // namespace p2pgrid::can
