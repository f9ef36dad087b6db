#pragma once
/// The Rendezvous Node Tree matchmaker over Chord (paper §3.1; every rule
/// and parameter is in docs/rntree.md). One component per peer, stacked by
/// peer::GridPeer<ChordJobOwners, RnTree>:
///
/// - Tree: each peer's parent is its greedy next hop toward root key 0,
///   from its own fingers and successor list (rntree_parent.hpp).
/// - Aggregation: every period each peer sends its parent a Summary of its
///   subtree (per-resource maxima, size, shortest queue); children are soft
///   state. A parent that stops acknowledging is avoided for a while.
/// - Matching: the job's owner (its GUID's successor) optionally hands the
///   search to the end of a limited random walk; the search origin runs an
///   iterative depth-first search of its subtree, then its ancestors'
///   (RnTreeSearch), pruning on the maxima, until k capable candidates are
///   found or the tree is exhausted; the least loaded wins.
///
/// Every matchmaking message counts in the job's cost.

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/match_port.hpp"
#include "p2pgrid/grid/pending_requests.hpp"
#include "p2pgrid/match/rntree_children.hpp"
#include "p2pgrid/match/rntree_messages.hpp"
#include "p2pgrid/match/rntree_search.hpp"
#include "p2pgrid/overlay/chord/node.hpp"

namespace p2pgrid::match {

struct RnTreeParams {
  /// Extended search: stop after this many capable candidates (1: basic).
  std::uint32_t k = 4;
  /// Summary period (the [match] default follows chord.stabilize).
  Duration aggregation_period = Duration::seconds(30);
  /// A child (or an unacknowledging parent) is given up after this many periods.
  std::uint32_t expiry_periods = 3;
  /// A parent found unresponsive is avoided for this many periods.
  std::uint32_t suspect_periods = 10;
  /// Random-walk hops from the owner to the search origin (0: the owner searches).
  std::uint32_t walk_length = 0;
  /// A node asked by a search that has not answered after this is skipped.
  Duration visit_timeout = Duration::seconds(1);
  /// Nodes the first search of a job may ask before it settles for what it
  /// found.
  std::uint32_t max_visits = 256;
  /// Each later round of the same job may ask this many times as many nodes
  /// as the round before (1: every round the same). Why: the search order
  /// is deterministic, so a round that ran out of budget without a
  /// candidate would otherwise repeat the same fruitless visits until the
  /// job's deadline; doubling costs at most twice the round that succeeds.
  std::uint32_t visit_growth = 2;
  /// After a walk, the owner gives up waiting for the origin's answer.
  Duration search_timeout = Duration::seconds(60);

  /// The visit budget of a job's round `round` (0: the first):
  /// max_visits x visit_growth^round, at most kMaxVisitBudget.
  [[nodiscard]] std::uint32_t visit_budget(std::uint32_t round) const;
  static constexpr std::uint32_t kMaxVisitBudget = 10'000'000;
  [[nodiscard]] Duration lifetime() const { return aggregation_period * expiry_periods; }
};

class RnTree {
 public:
  /// Heap bytes beyond sizeof(RnTree).
  [[nodiscard]] std::uint64_t heap_bytes() const {
    std::uint64_t bytes = children_.heap_bytes() + capacity_bytes(searches_) + visits_.heap_bytes() + awaiting_.heap_bytes();
    for (const Search& s : searches_) bytes += s.state.heap_bytes();
    return bytes;
  }
  using Params = RnTreeParams;
  /// Parents found unresponsive, remembered at once.
  static constexpr std::size_t kMaxSuspects = 4;

  RnTree(PeerId self, const RnTreeParams& params);

  void on_start(Context& ctx, const grid::GridNode& grid, const chord::Node& chord);
  /// Starts a round of matching here, the job's owner; answers through
  /// `port`, possibly at once: matched, not now, or unmatchable when a
  /// search covered the whole tree and found no capable node.
  void match(Context& ctx, const grid::MatchRequest& request, const grid::GridNode& grid, const chord::Node& chord,
             grid::MatchPort& port);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, const grid::GridNode& grid,
                  const chord::Node& chord, grid::MatchPort& port);
  void on_timer(Context& ctx, std::uint64_t tag, const grid::GridNode& grid, const chord::Node& chord,
                grid::MatchPort& port);
  /// Writes this peer's rntree_parents row (live peers only).
  void on_finish(Context& ctx, bool alive, const grid::GridNode& grid, const chord::Node& chord);

  // --- Read-only view of this peer's own state (tests). ---------------------
  [[nodiscard]] PeerId parent() const { return parent_; }
  [[nodiscard]] const RnTreeChildren& children() const { return children_; }


  /// Checkpointed state (p2pgrid/core/fields.hpp); params_ and self_ are the configuration's.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("rntree.parent", s.parent_);
    v("rntree.last_ack", s.last_ack_);
    v("rntree.suspects", s.suspects_);
    v("rntree.children", s.children_);
    v.list("rntree.searches", s.searches_, kMaxStateList);
    v("rntree.visits", s.visits_);
    v("rntree.awaiting", s.awaiting_);
  }
 private:
  enum class TimerKind : std::uint8_t { kSummary = 1, kVisit = 2, kAwait = 3 };

  /// A search this peer runs as origin.
  struct Search {
    bool active = false;
    std::uint64_t job = 0;
    std::uint32_t attempt = 0;
    PeerId owner;
    std::uint32_t owner_nonce = 0;
    std::uint32_t nonce = 0;  ///< names the current question (a visit)
    PeerId asked;
    std::uint32_t hops = 0;
    std::uint32_t messages = 0;
    RnTreeSearch state;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("rntree.search.active", s.active);
      v("rntree.search.job", s.job);
      v("rntree.search.attempt", s.attempt);
      v("rntree.search.owner", s.owner);
      v("rntree.search.owner_nonce", s.owner_nonce);
      v("rntree.search.nonce", s.nonce);
      v("rntree.search.asked", s.asked);
      v("rntree.search.hops", s.hops);
      v("rntree.search.messages", s.messages);
      v("rntree.search.state", s.state);
    }
  };
  /// A job whose search this peer, its owner, handed to a random walk.
  struct Awaiting {
    std::uint64_t job;
    std::uint32_t attempt;
    std::uint32_t walk;  ///< hops the walk took from here (cost if nothing comes back)

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("rntree.awaiting.job", s.job);
      v("rntree.awaiting.attempt", s.attempt);
      v("rntree.awaiting.walk", s.walk);
    }
  };
  struct Suspect {
    PeerId peer;
    Time until;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("rntree.suspect.peer", s.peer);
      v("rntree.suspect.until", s.until);
    }
  };

  void on_summary_timer(Context& ctx, const grid::GridNode& grid, const chord::Node& chord);
  void begin_search(Context& ctx, const rntree::Walk& origin, const grid::GridNode& grid, const chord::Node& chord,
                    grid::MatchPort& port);
  void drive(Context& ctx, std::size_t slot, RnTreeSearch::Step step, grid::MatchPort& port);
  void on_reply(Context& ctx, PeerId from, const rntree::ExploreReply& m, grid::MatchPort& port);
  void on_explore(Context& ctx, PeerId from, const rntree::Explore& m, const grid::GridNode& grid,
                  const chord::Node& chord);
  void on_walk(Context& ctx, const rntree::Walk& m, const grid::GridNode& grid, const chord::Node& chord,
               grid::MatchPort& port);
  void on_found(Context& ctx, const rntree::Found& m, grid::MatchPort& port);
  static void finish(std::uint64_t job, std::uint32_t attempt, PeerId winner, bool covered, grid::MatchCost cost,
                     grid::MatchPort& port);
  [[nodiscard]] PeerId random_neighbour(Context& ctx, const chord::Node& chord) const;
  [[nodiscard]] PeerId current_parent(const chord::Node& chord) const;
  void suspect(PeerId p, Time until);
  void send(Context& ctx, PeerId to, const rntree::Message& m) const;

  const RnTreeParams* params_;
  PeerId self_;
  PeerId parent_;  ///< where summaries go; none: root or not joined
  Time last_ack_;  ///< from parent_
  std::array<Suspect, kMaxSuspects> suspects_{};
  RnTreeChildren children_;
  std::vector<Search> searches_;  ///< slots reused: no allocation per job in steady state
  /// Questions of this peer's searches in flight, by search slot.
  grid::PendingRequests<std::size_t> visits_{ProtocolId::kMatch, static_cast<std::uint8_t>(TimerKind::kVisit)};
  grid::PendingRequests<Awaiting> awaiting_{ProtocolId::kMatch, static_cast<std::uint8_t>(TimerKind::kAwait)};
};

}  // namespace p2pgrid::match
