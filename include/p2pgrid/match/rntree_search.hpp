#pragma once
/// The RN-Tree search as its origin runs it (paper §3.1; the rules are in
/// docs/rntree.md): depth-first through the origin's own subtree, then up
/// through its ancestors, searching each ancestor and its other children,
/// skipping every subtree whose maxima cannot satisfy the job, until k
/// capable candidates are known (extended search) or the tree is exhausted.
/// The least loaded candidate wins: shortest queue, ties to the lower id.
///
/// The origin keeps all of the search's state and asks one node at a time
/// (an iterative search, as Chord's lookups are iterative): a node asked
/// answers with its own capabilities and queue, its parent, and its
/// children that survive pruning, best first. So no node but the origin
/// holds per-search state, and a node that died costs one timeout.
/// Pure: the protocol feeds it reports and sends what it asks for.

#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/match/rntree_children.hpp"

namespace p2pgrid::match {

/// What one node says about itself when the search reaches it.
struct NodeReport {
  PeerId node;
  grid::Resources capabilities{};
  std::uint32_t queue = 0;   ///< jobs queued or running there now
  PeerId parent;             ///< none: it is a root (or outside the tree)
  std::span<const ChildRef> children;  ///< pruned and ordered by that node
};

/// A capable node found by the search.
struct Candidate {
  PeerId peer;
  std::uint32_t queue = 0;
  friend constexpr bool operator==(const Candidate&, const Candidate&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("rntree.candidate.peer", s.peer);
    v("rntree.candidate.queue", s.queue);
  }
};

/// The winner among candidates: shortest queue, ties to the lower peer id;
/// none if there are no candidates.
PeerId least_loaded(std::span<const Candidate> candidates);

class RnTreeSearch {
 public:
  [[nodiscard]] std::uint64_t heap_bytes() const { return capacity_bytes(stack_) + capacity_bytes(candidates_); }

  /// What to do next: ask `ask` (excluding its child `exclude` from its
  /// answer), or stop when `ask` is none.
  struct Step {
    PeerId ask;
    PeerId exclude;
    [[nodiscard]] bool done() const { return !ask.valid(); }
  };

  /// Resets for a new job. Keeps the buffers' capacity, so a reused search
  /// does not allocate in steady state.
  void begin(const grid::Resources& requirements, std::uint32_t k, std::uint32_t max_visits);
  /// Starts from the origin's own report (local: no message).
  Step start(const NodeReport& origin);
  /// The node asked last answered.
  Step on_report(const NodeReport& report);
  /// The node asked last did not answer: its subtree is skipped; if it was
  /// an ancestor, the climb ends there (its parent is unknown).
  Step on_timeout();

  [[nodiscard]] const grid::Resources& requirements() const { return requirements_; }
  [[nodiscard]] PeerId winner() const { return least_loaded(candidates_); }
  [[nodiscard]] std::span<const Candidate> candidates() const { return candidates_; }
  /// Nodes asked so far (each a request and, unless it timed out, a reply).
  [[nodiscard]] std::uint32_t visits() const { return visits_; }
  /// True if the search stopped because nothing was left to search.
  [[nodiscard]] bool exhausted() const { return exhausted_; }
  /// Exhausted without a node failing to answer: every subtree whose
  /// maxima could satisfy the job, up to a root, was searched.
  [[nodiscard]] bool covered() const { return exhausted_ && timeouts_ == 0 && !ancestor_.valid(); }

  /// Checkpointed state (p2pgrid/core/fields.hpp): k_ and max_visits_ are
  /// this search's begin() arguments, kept with it.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("rntree.search.requirements", s.requirements_);
    v("rntree.search.k", s.k_);
    v("rntree.search.max_visits", s.max_visits_);
    v("rntree.search.visits", s.visits_);
    v("rntree.search.timeouts", s.timeouts_);
    v.list("rntree.search.stack", s.stack_, kMaxStateList);
    v.list("rntree.search.candidates", s.candidates_, kMaxStateList);
    v("rntree.search.searched", s.searched_);
    v("rntree.search.ancestor", s.ancestor_);
    v("rntree.search.climbing", s.climbing_);
    v("rntree.search.exhausted", s.exhausted_);
  }

 private:
  void consider(const NodeReport& report);
  void push_children(std::span<const ChildRef> children);
  Step next();

  grid::Resources requirements_{};
  std::uint32_t k_ = 1;
  std::uint32_t max_visits_ = 0;
  std::uint32_t visits_ = 0;
  std::uint32_t timeouts_ = 0;
  std::vector<PeerId> stack_;  ///< subtrees still to search; back() next
  std::vector<Candidate> candidates_;
  PeerId searched_;   ///< root of the subtree searched completely so far
  PeerId ancestor_;   ///< the next ancestor to climb to (none: at a root)
  bool climbing_ = false;  ///< the node asked last is an ancestor
  bool exhausted_ = false;
};

}  // namespace p2pgrid::match
