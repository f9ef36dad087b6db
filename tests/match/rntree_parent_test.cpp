// The RN-Tree parent rule on rings with correct Chord state (ORACLE
// bootstrap), checked against an independent computation from the sorted
// id list: the parent is the peer closest before root key 0 among the true
// fingers succ(id + 2^i) and the next r successors; it equals Chord's own
// greedy next hop toward 0; the parents form one tree rooted at key 0's
// predecessor; suspecting a parent picks the next best entry.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "p2pgrid/overlay/chord/ring.hpp"

namespace p2pgrid::match {
namespace {

struct Ring {
  chord::Params params;
  chord::OracleRing oracle;
  std::vector<chord::Node> nodes;  ///< by peer id

  Ring(std::uint32_t n, std::uint64_t salt, std::uint32_t r) : params(make(n, salt, r)), oracle(n, salt) {
    nodes.reserve(n);
    for (std::uint32_t p = 0; p < n; ++p) {
      nodes.emplace_back(PeerId{p}, params);
      nodes.back().oracle_bootstrap(oracle);
    }
  }
  static chord::Params make(std::uint32_t n, std::uint64_t salt, std::uint32_t r) {
    chord::Params p;
    p.peers = n;
    p.salt = salt;
    p.successors = r;
    return p;
  }
  [[nodiscard]] RingId id(PeerId p) const { return ring_id_of(p, params.salt); }

  /// Independent: the entry closest before key 0 among true fingers and successors.
  [[nodiscard]] PeerId expected_parent(std::size_t at) const {
    const std::size_t n = oracle.size();
    const RingId self = oracle.id_at(at);
    if (chord::in_half_open(kRootKey, self, oracle.id_at((at + 1) % n))) return PeerId::none();  // root
    PeerId best = PeerId::none();
    std::uint64_t best_d = 0;
    const auto consider = [&](std::size_t i) {
      const RingId id = oracle.id_at(i);
      if (i == at || !chord::in_open(id, self, kRootKey)) return;
      if (chord::distance(self, id) > best_d) {
        best_d = chord::distance(self, id);
        best = oracle.peer_at(i);
      }
    };
    for (unsigned i = 0; i < 64; ++i) consider(oracle.successor_index(self + (std::uint64_t{1} << i)));
    for (std::size_t k = 1; k <= params.successors && k < n; ++k) consider((at + k) % n);
    return best;
  }
};

TEST(RnTreeParent, MatchesIndependentComputationAndChordNextHop) {
  for (const std::uint32_t n : {2U, 3U, 17U, 500U, 3000U}) {
    const Ring ring(n, 1000 + n, 8);
    std::size_t roots = 0;
    for (std::size_t at = 0; at < n; ++at) {
      const chord::Node& node = ring.nodes[ring.oracle.peer_at(at).value];
      const PeerId parent = choose_parent(node);
      EXPECT_EQ(parent, ring.expected_parent(at)) << "n " << n << " position " << at;
      if (parent.valid()) {
        EXPECT_EQ(parent, node.next_hop(kRootKey)) << "with correct tables the parent is Chord's next hop";
      } else {
        ++roots;
        EXPECT_TRUE(is_rntree_root(node));
        // The root is the predecessor of key 0.
        EXPECT_EQ(ring.oracle.successor(kRootKey), node.successor());
      }
    }
    EXPECT_EQ(roots, 1U) << "n " << n;
  }
}

TEST(RnTreeParent, ParentsFormOneTreeOfLogarithmicDepth) {
  const std::uint32_t n = 4000;
  const Ring ring(n, 77, 8);
  std::vector<PeerId> parent(n);
  for (std::uint32_t p = 0; p < n; ++p) parent[p] = choose_parent(ring.nodes[p]);
  std::uint32_t max_depth = 0;
  for (std::uint32_t p = 0; p < n; ++p) {
    std::uint32_t depth = 0;
    PeerId at{p};
    while (parent[at.value].valid()) {
      const PeerId up = parent[at.value];
      // The clockwise distance to the key strictly drops: no cycle possible.
      ASSERT_LT(chord::distance(ring.id(up), kRootKey), chord::distance(ring.id(at), kRootKey));
      at = up;
      ASSERT_LT(++depth, n);
    }
    EXPECT_EQ(at, ring.oracle.peer_at((ring.oracle.successor_index(kRootKey) + n - 1) % n));
    max_depth = std::max(max_depth, depth);
  }
  EXPECT_LE(max_depth, 2 * 12U) << "height O(log N)";  // log2(4000) ~ 12
}

TEST(RnTreeParent, SuspectedParentIsReplacedByTheNextBestEntry) {
  const Ring ring(300, 5, 4);
  int checked = 0;
  for (std::uint32_t p = 0; p < 300; ++p) {
    const chord::Node& node = ring.nodes[p];
    const PeerId first = choose_parent(node);
    if (!first.valid()) continue;
    const std::array<PeerId, 1> suspects{first};
    const PeerId second = choose_parent(node, suspects);
    if (!second.valid()) {
      // Only possible when no other entry lies before the key.
      for (const PeerId e : node.fingers().entries()) {
        EXPECT_TRUE(e == first || !chord::in_open(ring.id(e), node.id(), kRootKey));
      }
      for (const PeerId e : node.successors()) {
        EXPECT_TRUE(e == first || !chord::in_open(ring.id(e), node.id(), kRootKey));
      }
      ++checked;
      continue;
    }
    EXPECT_NE(second, first);
    EXPECT_TRUE(chord::in_open(ring.id(second), node.id(), kRootKey));
    EXPECT_LT(chord::distance(node.id(), ring.id(second)), chord::distance(node.id(), ring.id(first)));
    ++checked;
  }
  EXPECT_EQ(checked, 299);
}

TEST(RnTreeParent, NotJoinedHasNoParent) {
  chord::Params params = Ring::make(10, 1, 8);
  const chord::Node node(PeerId{3}, params);
  EXPECT_EQ(choose_parent(node), PeerId::none());
}

}  // namespace
}  // namespace p2pgrid::match
