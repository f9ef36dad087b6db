#pragma once
/// The client-server baseline (paper §3.3, "centralized scheme"): one
/// server peer hears every node's status by message and assigns each job to
/// the capable node with the shortest expected wait. It is as fresh as the
/// network allows, and it is the single point of failure the peer-to-peer
/// matchmakers avoid: while the server is down, no job is matched.
///
/// Messages (ProtocolId::kMatch): NodeStatus (every node -> server, every
/// status period), MatchRequest (owner -> server), MatchReply (server ->
/// owner). A request unanswered within request_timeout counts as unmatched
/// and the owner retries later.

#include <cstdint>
#include <span>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/grid/grid_node.hpp"

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
};

/// The server's choice among `nodes` for a job: capable, alive (heard
/// within `expiry`), shortest expected wait, ties to the lower peer id.
/// Pure, for tests and benchmarks. Returns nodes.size() when none fits.
std::size_t choose_central(std::span<const NodeView> nodes, const grid::Resources& requirements, Time now,
                           Duration expiry);

class Central {
 public:
  Central(PeerId self, const CentralParams& params);

  void on_start(Context& ctx, const grid::GridNode& grid);
  /// The overlay is not used: the server is reached directly.
  template <class Overlay>
  void match(Context& ctx, const grid::JobProfile& job, const Overlay& /*overlay*/) {
    request(ctx, job);
  }
  template <class Overlay>
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::GridNode& grid,
                  const Overlay& /*overlay*/) {
    on_message(ctx, from, bytes, grid);
  }
  template <class Overlay>
  void on_timer(Context& ctx, std::uint64_t tag, grid::GridNode& grid, const Overlay& /*overlay*/) {
    on_timer(ctx, tag, grid);
  }

  void request(Context& ctx, const grid::JobProfile& job);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::GridNode& grid);
  void on_timer(Context& ctx, std::uint64_t tag, grid::GridNode& grid);

  [[nodiscard]] const std::vector<NodeView>& view() const { return view_; }  ///< server only

 private:
  enum class TimerKind : std::uint8_t { kStatus = 1, kRequestTimeout = 2 };
  struct Pending {
    std::uint64_t job;
    std::uint32_t attempt;
    std::uint32_t nonce;  ///< names the timeout timer's tag
    TimerId timer;
  };

  void send_status(Context& ctx, const grid::GridNode& grid) const;

  const CentralParams* params_;
  PeerId self_;
  std::vector<Pending> pending_;
  std::uint32_t nonce_ = 0;
  std::vector<NodeView> view_;  ///< the server's table, sorted by peer id
};

}  // namespace p2pgrid::match
