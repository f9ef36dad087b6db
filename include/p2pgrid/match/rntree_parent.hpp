#pragma once
/// The RN-Tree's parent rule (paper §3.1: "each node determines its parent
/// node based only on local information"). Every peer routes greedily
/// toward the fixed root key 0 and takes the first hop as its parent: the
/// finger or successor-list entry that lies in (self, 0) closest to 0.
///
/// Why this is one tree with no cycles, even while the ring is repairing:
/// let d(p) be the clockwise distance from p to the root key. Every parent
/// lies in (p, 0), so d(parent) < d(p): following parents strictly lowers
/// d and can never come back. The chain ends at the peer whose successor
/// owns the key (0 lies in (p, successor]): that peer is the ROOT. (Greedy
/// routing would take one more hop, to the key's owner; that hop raises d,
/// and its owner could only tell it is the root from its predecessor, which
/// Chord forgets after failures -- so the root is the last peer before the
/// key, known from its own successor.) With correct successors exactly one
/// peer passes that test; with correct tables the parent equals
/// chord::Node::next_hop(0).
///
/// Worked example (ids mod 64, successor lists of one entry): peers 5, 20,
/// 33, 50, 60. Peer 5's fingers 5+1 .. 5+8 -> 20, 5+16 -> 33, 5+32 -> 50:
/// the entry closest before 0 is 50, its parent. 20: fingers up to 20+32 =
/// 52 -> 60, parent 60. 33: fingers up to 33+16 = 49 -> 50, 33+32 wraps to
/// 1 -> 5, which lies past the key: parent 50. 50: successor 60, parent 60.
/// 60: successor 5, and 0 lies in (60, 5]: 60 is the root. Depths: 60; 20,
/// 50; 5, 33.

#include <span>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/overlay/chord/node.hpp"

namespace p2pgrid::match {

/// The key whose predecessor roots the tree.
inline constexpr RingId kRootKey = 0;

/// True if `chord` (joined) is the root: the root key lies between it and
/// its successor (or it is alone, or sits exactly on the key).
bool is_rntree_root(const chord::Node& chord);

/// The parent of this peer: the entry of its own fingers and successor
/// list that lies in (self, kRootKey) closest to the key, skipping
/// `suspects` (parents that stopped acknowledging summaries). None if the
/// peer has not joined, is the root, or every such entry is suspected.
PeerId choose_parent(const chord::Node& chord, std::span<const PeerId> suspects = {});

}  // namespace p2pgrid::match
