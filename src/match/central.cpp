#include "p2pgrid/match/central.hpp"

#include <algorithm>
#include <array>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/core/codec.hpp"

namespace p2pgrid::match {
namespace {

enum Type : std::uint8_t { kNodeStatus = 1, kMatchRequest = 2, kMatchReply = 3 };
constexpr std::size_t kBuffer = 64;

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
  BufferWriter<kBuffer> w;
  w.header(ProtocolId::kMatch, kNodeStatus);
  for (const std::uint32_t v : grid.capabilities()) w.u32(v);
  w.u32(grid.queue_length());
  w.duration(grid.queued_work(ctx.now()));
  ctx.send(params_->server, w.bytes());
}

void Central::ask(Context& ctx, const grid::JobProfile& job) {
  const std::uint32_t nonce = pending_.add(ctx, Asked{job.job, job.attempt}, params_->request_timeout);
  BufferWriter<kBuffer> w;
  w.header(ProtocolId::kMatch, kMatchRequest);
  w.u32(nonce);
  for (const std::uint32_t v : job.requirements) w.u32(v);
  w.duration(job.run_time);
  ctx.send(params_->server, w.bytes());
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
  switch (h.type) {
    case kNodeStatus: {
      NodeView v;
      v.node = from;
      for (std::uint32_t& c : v.capabilities) c = r.u32("capabilities");
      v.queue_length = r.u32("queue_length");
      v.expected_wait = r.duration("queued_work");
      r.expect_end();
      v.heard = ctx.now();
      if (self_ != params_->server) return;  // only the server keeps the table
      const auto it = std::lower_bound(view_.begin(), view_.end(), from,
                                       [](const NodeView& n, PeerId p) { return n.node < p; });
      if (it != view_.end() && it->node == from) {
        *it = v;
      } else {
        view_.insert(it, v);
      }
      return;
    }
    case kMatchRequest: {
      const std::uint32_t nonce = r.u32("nonce");
      grid::Resources req{};
      for (std::uint32_t& c : req) c = r.u32("requirements");
      const Duration run_time = r.duration("run_time");
      r.expect_end();
      if (self_ != params_->server) return;
      const std::size_t best =
          choose_central(view_, req, ctx.now(), params_->status_period * params_->expiry_periods);
      PeerId chosen = PeerId::none();
      if (best < view_.size()) {
        chosen = view_[best].node;
        // Count the assignment at once: the next status is up to a period away.
        view_[best].expected_wait += run_time;
        ++view_[best].queue_length;
      }
      BufferWriter<kBuffer> w;
      w.header(ProtocolId::kMatch, kMatchReply);
      w.u32(nonce);
      w.peer(chosen);
      ctx.send(from, w.bytes());
      return;
    }
    case kMatchReply: {
      const std::uint32_t nonce = r.u32("nonce");
      const PeerId chosen = r.peer("chosen");
      r.expect_end();
      const auto a = pending_.answer(ctx, nonce);
      if (!a) return;  // timed out already
      // One request and one reply; the server is one hop away. It knows
      // every live node, so "none" means no live node satisfies the job.
      if (chosen.valid()) {
        port.matched(a->job, a->attempt, chosen, {1, 2});
      } else {
        port.unmatchable(a->job, a->attempt, {1, 2});
      }
      return;
    }
    default: r.fail("type", "unknown central matchmaker message type " + std::to_string(h.type));
  }
}

}  // namespace p2pgrid::match
