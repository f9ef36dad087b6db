#pragma once
/// The history of CAN joins as a binary tree of zone splits: the root is
/// the whole space, each join splits one leaf into its two halves. Used by
/// the oracle bootstrap (every rank replays the joins in id order, which
/// only needs the peers' points, a pure function of the seed) and by tests
/// as an independent model. Not protocol code.

#include <cstdint>
#include <vector>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

class SplitTree {
 public:
  /// `rule` and `virtual_dim` (-1: none) as in can::join_split.
  explicit SplitTree(int dims, PeerId first, JoinRule rule = JoinRule::kHalving, int virtual_dim = -1);

  /// `peer` joins at `p` exactly as Node::accept_join does for an owner
  /// with one zone: the leaf holding p splits by can::join_split(owner's
  /// point, p) and the joiner gets its half; `owner_point` is the point of
  /// owner_at(p). The joiner's point moves into its half when the rule says
  /// so (p is updated). False (nothing changes) if the leaf cannot be split
  /// further.
  bool insert(PeerId peer, Point& p, const Point& owner_point);
  /// The owner of the leaf holding p.
  [[nodiscard]] PeerId owner_at(const Point& p) const { return nodes_[leaf_of(p)].owner; }

  /// Index of the leaf holding p.
  [[nodiscard]] std::uint32_t leaf_of(const Point& p) const;
  [[nodiscard]] const Zone& zone(std::uint32_t node) const { return nodes_[node].zone; }
  [[nodiscard]] PeerId owner(std::uint32_t node) const { return nodes_[node].owner; }
  [[nodiscard]] std::size_t leaves() const { return (nodes_.size() + 1) / 2; }
  /// The leaf `peer` owns, or kNone if it never joined.
  [[nodiscard]] std::uint32_t leaf_owned_by(PeerId peer) const {
    return peer.value < leaf_by_peer_.size() ? leaf_by_peer_[peer.value] : kNone;
  }
  static constexpr std::uint32_t kNone = 0xFFFFFFFFU;

  /// Calls f(owner, zone) for every leaf whose zone abuts `z`.
  template <class F>
  void for_each_abutting(const Zone& z, F&& f) const {
    std::vector<std::uint32_t>& stack = stack_;
    stack.assign(1, 0);
    while (!stack.empty()) {
      const std::uint32_t i = stack.back();
      stack.pop_back();
      const TreeNode& n = nodes_[i];
      if (!touches(n.zone, z)) continue;
      if (n.low == 0) {
        if (n.zone.abuts(z)) f(n.owner, n.zone);
        continue;
      }
      stack.push_back(n.low);
      stack.push_back(n.low + 1);
    }
  }

 private:
  struct TreeNode {
    Zone zone;
    std::uint32_t low = 0;  ///< index of the lower child (the upper is low + 1); 0: a leaf
    PeerId owner;
  };
  /// Closed boxes intersect: shared interior, face, edge or corner.
  static bool touches(const Zone& a, const Zone& b);

  void set_leaf(PeerId peer, std::uint32_t leaf);

  int dims_;
  JoinRule rule_;
  int virtual_dim_;
  std::vector<TreeNode> nodes_;
  std::vector<std::uint32_t> leaf_by_peer_;
  mutable std::vector<std::uint32_t> stack_;
};

}  // namespace p2pgrid::can
