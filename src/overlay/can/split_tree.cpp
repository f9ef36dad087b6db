#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::can {

SplitTree::SplitTree(int dims, PeerId first, JoinRule rule, int virtual_dim)
    : dims_(dims), rule_(rule), virtual_dim_(virtual_dim) {
  nodes_.push_back(TreeNode{Zone{}, 0, first});
  set_leaf(first, 0);
}

void SplitTree::set_leaf(PeerId peer, std::uint32_t leaf) {
  if (peer.value >= leaf_by_peer_.size()) leaf_by_peer_.resize(std::size_t{peer.value} + 1, kNone);
  leaf_by_peer_[peer.value] = leaf;
}

std::uint32_t SplitTree::leaf_of(const Point& p) const {
  std::uint32_t i = 0;
  while (nodes_[i].low != 0) i = nodes_[nodes_[i].low].zone.contains(p) ? nodes_[i].low : nodes_[i].low + 1;
  return i;
}

bool SplitTree::insert(PeerId peer, Point& p, const Point& owner_point) {
  const std::uint32_t leaf = leaf_of(p);
  const Zone zone = nodes_[leaf].zone;
  const JoinSplit split = join_split(zone, dims_, zone.contains(owner_point) ? owner_point : p, p, rule_, virtual_dim_);
  if (split.dim < 0) return false;
  const auto [low, high] = zone.split_along(split.dim);
  const PeerId old = nodes_[leaf].owner;
  const auto first = static_cast<std::uint32_t>(nodes_.size());
  const bool joiner_low = split.joiner_low;
  p = into_zone(joiner_low ? low : high, p, virtual_dim_);
  nodes_.push_back(TreeNode{low, 0, joiner_low ? peer : old});
  nodes_.push_back(TreeNode{high, 0, joiner_low ? old : peer});
  nodes_[leaf].low = first;
  nodes_[leaf].owner = PeerId::none();
  set_leaf(peer, joiner_low ? first : first + 1);
  set_leaf(old, joiner_low ? first + 1 : first);
  return true;
}

bool SplitTree::touches(const Zone& a, const Zone& b) {
  for (int d = 0; d < kMaxDims; ++d) {
    if (std::uint64_t{a.lo(d)} > b.hi(d) || std::uint64_t{b.lo(d)} > a.hi(d)) return false;
  }
  return true;
}

}  // namespace p2pgrid::can
