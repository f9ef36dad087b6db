#include "p2pgrid/overlay/can/split_tree.hpp"

namespace p2pgrid::can {

SplitTree::SplitTree(int dims, PeerId first) : dims_(dims) {
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

bool SplitTree::insert(PeerId peer, const Point& p, const Point& owner_point) {
  const std::uint32_t leaf = leaf_of(p);
  const Zone zone = nodes_[leaf].zone;
  const int dim = zone.separating_dim(dims_, zone.contains(owner_point) ? owner_point : p, p);
  if (dim < 0) return false;
  const auto [low, high] = zone.split_along(dim);
  const PeerId old = nodes_[leaf].owner;
  const auto first = static_cast<std::uint32_t>(nodes_.size());
  const bool joiner_low = low.contains(p);
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
