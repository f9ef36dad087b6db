#include "p2pgrid/match/central.hpp"

#include <algorithm>
#include <array>
#include <variant>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"

namespace p2pgrid::match {
namespace {

enum class MessageType : std::uint8_t { kNodeStatus = 1, kMatchRequest = 2, kMatchReply = 3 };
constexpr std::size_t kBuffer = 64;

/// Node -> server, every status period.
struct NodeStatus {
  static constexpr MessageType kType = MessageType::kNodeStatus;
  grid::Resources capabilities{};
  std::uint32_t queue_length = 0;
  Duration queued_work;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("capabilities", s.capabilities);
    v("queue_length", s.queue_length);
    v("queued_work", s.queued_work);
  }
};
/// Owner -> server.
struct MatchRequest {
  static constexpr MessageType kType = MessageType::kMatchRequest;
  std::uint32_t nonce = 0;
  grid::Resources requirements{};
  Duration run_time;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("requirements", s.requirements);
    v("run_time", s.run_time);
  }
};
/// Server -> owner: the chosen node, or none.
struct MatchReply {
  static constexpr MessageType kType = MessageType::kMatchReply;
  std::uint32_t nonce = 0;
  PeerId chosen;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("chosen", s.chosen);
  }
};
using Message = std::variant<NodeStatus, MatchRequest, MatchReply>;

template <class M>
void send_message(Context& ctx, PeerId to, const M& m) {
  BufferWriter<kBuffer> w;
  write_message(w, ProtocolId::kMatch, FieldContext{}, m);
  ctx.send(to, w.bytes());
}

std::uint64_t tag(std::uint8_t kind) { return grid::nonce_tag(ProtocolId::kMatch, kind, 0); }

}  // namespace

std::size_t choose_central(std::span<const NodeView> nodes, const grid::Resources& requirements, Time now,
                           Duration expiry) {
  std::size_t best = nodes.size();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const NodeView& n = nodes[i];
    if (now - n.heard > expiry || !grid::satisfies(n.capabilities, requirements)) continue;
    // nodes is sorted by id, so strict < keeps the lower id on ties.
    if (best == nodes.size() || n.expected_wait < nodes[best].expected_wait) best = i;
  }
  return best;
}

Central::Central(PeerId self, const CentralParams& params) : params_(&params), self_(self) {}

void Central::start(Context& ctx) {
  // First status after a random phase so a million nodes do not report in
  // the same instant.
  const auto phase = static_cast<std::int64_t>(ctx.rng().below(static_cast<std::uint64_t>(params_->status_period.ns)));
  ctx.set_timer(Duration{phase}, tag(static_cast<std::uint8_t>(TimerKind::kStatus)));
}

void Central::send_status(Context& ctx, const grid::GridNode& grid) const {
  send_message(ctx, params_->server, NodeStatus{grid.capabilities(), grid.queue_length(), grid.queued_work(ctx.now())});
}

void Central::ask(Context& ctx, const grid::JobProfile& job) {
  const std::uint32_t nonce = pending_.add(ctx, Asked{job.job, job.attempt}, params_->request_timeout);
  send_message(ctx, params_->server, MatchRequest{nonce, job.requirements, job.run_time});
}

void Central::fire(Context& ctx, std::uint64_t t, const grid::GridNode& grid, grid::MatchPort& port) {
  if (pending_.owns(t)) {
    // The server did not answer (it may be down): nothing this round.
    if (const auto a = pending_.expire(t)) port.not_now(a->job, a->attempt, {1, 1});
    return;
  }
  send_status(ctx, grid);
  ctx.set_timer(params_->status_period, t);
}

void Central::receive(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::MatchPort& port) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kMatch);
  Message m;
  read_message(r, FieldContext{}, h.type, m, "central matchmaker");
  r.expect_end();
  if (const auto* status = std::get_if<NodeStatus>(&m)) {
    NodeView v;
    v.node = from;
    v.capabilities = status->capabilities;
    v.queue_length = status->queue_length;
    v.expected_wait = status->queued_work;
    v.heard = ctx.now();
    if (self_ != params_->server) return;  // only the server keeps the table
    const auto it =
        std::lower_bound(view_.begin(), view_.end(), from, [](const NodeView& n, PeerId p) { return n.node < p; });
    if (it != view_.end() && it->node == from) {
      *it = v;
    } else {
      view_.insert(it, v);
    }
  } else if (const auto* request = std::get_if<MatchRequest>(&m)) {
    if (self_ != params_->server) return;
    const std::size_t best =
        choose_central(view_, request->requirements, ctx.now(), params_->status_period * params_->expiry_periods);
    PeerId chosen = PeerId::none();
    if (best < view_.size()) {
      chosen = view_[best].node;
      // Count the assignment at once: the next status is up to a period away.
      view_[best].expected_wait += request->run_time;
      ++view_[best].queue_length;
    }
    send_message(ctx, from, MatchReply{request->nonce, chosen});
  } else {
    const auto& reply = std::get<MatchReply>(m);
    const auto a = pending_.answer(ctx, reply.nonce);
    if (!a) return;  // timed out already
    // One request and one reply; the server is one hop away. It knows
    // every live node, so "none" means no live node satisfies the job.
    if (reply.chosen.valid()) {
      port.matched(a->job, a->attempt, reply.chosen, {1, 2});
    } else {
      port.unmatchable(a->job, a->attempt, {1, 2});
    }
  }
}

}  // namespace p2pgrid::match
