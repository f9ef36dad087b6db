#pragma once
/// The RN-Tree's per-node aggregation state (paper §3.1, "hierarchical
/// aggregation"): what each child last reported about its subtree. Children
/// are soft state: a child is known only from its periodic summaries and is
/// forgotten when it has been silent for a lifetime (docs/rntree.md), so a
/// child that died or moved to another parent disappears without any
/// explicit message. Pure: no Context, unit-tested on its own.

#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::match {

/// What a subtree reports to its root's parent.
struct SubtreeSummary {
  grid::Resources max{};        ///< per-resource maximum over the subtree
  std::uint32_t size = 0;       ///< peers in the subtree, its root included
  std::uint32_t min_queue = 0;  ///< shortest queue (waiting + running) in the subtree

  friend constexpr bool operator==(const SubtreeSummary&, const SubtreeSummary&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("max", s.max);
    v("size", s.size);
    v("min_queue", s.min_queue);
  }
};

/// A child worth searching, as a node tells a searcher about it.
struct ChildRef {
  PeerId peer;
  std::uint32_t min_queue = 0;  ///< its subtree's shortest queue (orders the search)

  friend constexpr bool operator==(const ChildRef&, const ChildRef&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("child", s.peer);
    v("child_min_queue", s.min_queue);
  }
};

class RnTreeChildren {
 public:
  [[nodiscard]] std::uint64_t heap_bytes() const { return capacity_bytes(children_); }

  struct Child {
    PeerId peer;
    SubtreeSummary summary;
    Time heard;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("rntree.child.peer", s.peer);
      v("rntree.child.summary", s.summary);
      v("rntree.child.heard", s.heard);
    }
  };

  /// Records a summary from `child`: a new child, or a refresh of a known one.
  void heard(PeerId child, const SubtreeSummary& summary, Time now);
  /// Forgets children silent for longer than `lifetime` (heard before now - lifetime).
  void expire(Time now, Duration lifetime);
  /// Forgets one child at once.
  void remove(PeerId child);
  void clear() { children_.clear(); }

  /// The summary of the subtree rooted at this node: its own resources and
  /// queue combined with every known child's summary.
  [[nodiscard]] SubtreeSummary aggregate(const grid::Resources& own, std::uint32_t own_queue) const;

  /// The children whose subtree maxima meet every constrained minimum of
  /// `requirements` (the pruning rule: a subtree whose maximum of some
  /// resource is below the job's minimum cannot hold a capable node),
  /// except `exclude`, best first: shortest subtree queue, then lower peer
  /// id. At most out.size() of them (the best ones); returns how many.
  std::size_t capable(const grid::Resources& requirements, PeerId exclude, std::span<ChildRef> out) const;

  [[nodiscard]] std::size_t size() const { return children_.size(); }
  [[nodiscard]] std::span<const Child> entries() const { return children_; }

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("rntree.children", s.children_, kMaxStateList);
  }

 private:
  std::vector<Child> children_;  ///< sorted by peer id
};

}  // namespace p2pgrid::match
