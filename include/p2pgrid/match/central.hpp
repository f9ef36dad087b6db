#pragma once
/// The client-server baseline (paper §3.3, "centralized scheme"): one
/// server peer hears every node's status by message and assigns each job to
/// the capable node with the shortest expected wait. It is as fresh as the
/// network allows, and it is the single point of failure the peer-to-peer
/// matchmakers avoid: while the server is down, no job is matched.
///
/// Messages (ProtocolId::kMatch): NodeStatus (every node -> server, every
/// status period), MatchRequest (owner -> server), MatchReply (server ->
/// owner). A request unanswered within request_timeout is answered "not
/// now" and the owner retries later; a server that knows no capable node
/// among the nodes it heard from answers "unmatchable".

#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/match_port.hpp"
#include "p2pgrid/grid/pending_requests.hpp"

namespace p2pgrid::match {

struct CentralParams {
  PeerId server{0};
  Duration status_period = Duration::seconds(10);
  Duration request_timeout = Duration::seconds(2);
  /// The server forgets a node it has not heard from for this many periods.
  std::uint32_t expiry_periods = 3;
};

/// What the server knows of one node: its last status, plus what it
/// assigned since (so back-to-back jobs do not all go to the same node).
struct NodeView {
  PeerId node;
  grid::Resources capabilities{};
  std::uint32_t queue_length = 0;
  Duration expected_wait;
  Time heard;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("central.view.node", s.node);
    v("central.view.capabilities", s.capabilities);
    v("central.view.queue_length", s.queue_length);
    v("central.view.expected_wait", s.expected_wait);
    v("central.view.heard", s.heard);
  }
};

/// The server's choice among `nodes` for a job: capable, alive (heard
/// within `expiry`), shortest expected wait, ties to the lower peer id.
/// Pure, for tests and benchmarks. Returns nodes.size() when none fits.
std::size_t choose_central(std::span<const NodeView> nodes, const grid::Resources& requirements, Time now,
                           Duration expiry);

class Central {
 public:
  /// Heap bytes beyond sizeof(Central): the server's view, pending requests.
  [[nodiscard]] std::uint64_t heap_bytes() const { return pending_.heap_bytes() + capacity_bytes(view_); }
  using Params = CentralParams;

  Central(PeerId self, const CentralParams& params);

  /// The overlay is not used: the server is reached directly.
  template <class Overlay>
  void on_start(Context& ctx, const grid::GridNode& /*grid*/, const Overlay& /*overlay*/) {
    start(ctx);
  }
  template <class Overlay>
  void match(Context& ctx, const grid::MatchRequest& request, const grid::GridNode& /*grid*/,
             const Overlay& /*overlay*/, grid::MatchPort& /*port*/) {
    ask(ctx, request.profile);
  }
  template <class Overlay>
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, const grid::GridNode& /*grid*/,
                  const Overlay& /*overlay*/, grid::MatchPort& port) {
    receive(ctx, from, bytes, port);
  }
  template <class Overlay>
  void on_timer(Context& ctx, std::uint64_t tag, const grid::GridNode& grid, const Overlay& /*overlay*/,
                grid::MatchPort& port) {
    fire(ctx, tag, grid, port);
  }
  template <class Overlay>
  void on_finish(Context& /*ctx*/, bool /*alive*/, const grid::GridNode& /*grid*/, const Overlay& /*overlay*/) {}

  [[nodiscard]] const std::vector<NodeView>& view() const { return view_; }  ///< server only

  /// Checkpointed state (p2pgrid/core/fields.hpp); params_ and self_ are the configuration's.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("central.pending", s.pending_);
    v.list("central.view", s.view_, kMaxStateList);
  }

 private:
  enum class TimerKind : std::uint8_t { kStatus = 1, kRequestTimeout = 2 };
  struct Asked {
    std::uint64_t job;
    std::uint32_t attempt;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("central.asked.job", s.job);
      v("central.asked.attempt", s.attempt);
    }
  };

  void start(Context& ctx);
  void ask(Context& ctx, const grid::JobProfile& job);
  void receive(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::MatchPort& port);
  void fire(Context& ctx, std::uint64_t tag, const grid::GridNode& grid, grid::MatchPort& port);
  void send_status(Context& ctx, const grid::GridNode& grid) const;

  const CentralParams* params_;
  PeerId self_;
  grid::PendingRequests<Asked> pending_{ProtocolId::kMatch, static_cast<std::uint8_t>(TimerKind::kRequestTimeout)};
  std::vector<NodeView> view_;  ///< the server's table, sorted by peer id
};

}  // namespace p2pgrid::match
