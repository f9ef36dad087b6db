#include "p2pgrid/match/central.hpp"

#include <algorithm>
#include <array>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/core/codec.hpp"

namespace p2pgrid::match {
namespace {

enum Type : std::uint8_t { kNodeStatus = 1, kMatchRequest = 2, kMatchReply = 3 };
constexpr std::size_t kBuffer = 64;

std::uint64_t tag(std::uint8_t kind, std::uint64_t value = 0) {
  return timer_tag(ProtocolId::kMatch, (value << 8U) | kind);
}

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

void Central::on_start(Context& ctx, const grid::GridNode& grid) {
  // First status after a random phase so a million nodes do not report in
  // the same instant.
  const auto phase = static_cast<std::int64_t>(ctx.rng().below(static_cast<std::uint64_t>(params_->status_period.ns)));
  ctx.set_timer(Duration{phase}, tag(static_cast<std::uint8_t>(TimerKind::kStatus)));
  static_cast<void>(grid);
}

void Central::send_status(Context& ctx, const grid::GridNode& grid) const {
  BufferWriter<kBuffer> w;
  w.header(ProtocolId::kMatch, kNodeStatus);
  for (const std::uint32_t v : grid.capabilities()) w.u32(v);
  w.u32(grid.queue_length());
  w.duration(grid.queued_work(ctx.now()));
  ctx.send(params_->server, w.bytes());
}

void Central::request(Context& ctx, const grid::JobProfile& job) {
  BufferWriter<kBuffer> w;
  w.header(ProtocolId::kMatch, kMatchRequest);
  w.u64(job.job);
  w.u32(job.attempt);
  for (const std::uint32_t v : job.requirements) w.u32(v);
  w.duration(job.run_time);
  ctx.send(params_->server, w.bytes());
  const std::uint32_t nonce = ++nonce_;
  const TimerId timer =
      ctx.set_timer(params_->request_timeout, tag(static_cast<std::uint8_t>(TimerKind::kRequestTimeout), nonce));
  pending_.push_back({job.job, job.attempt, nonce, timer});
}

void Central::on_timer(Context& ctx, std::uint64_t t, grid::GridNode& grid) {
  const std::uint64_t local = local_of_tag(t);
  switch (static_cast<TimerKind>(local & 0xFFU)) {
    case TimerKind::kStatus:
      send_status(ctx, grid);
      ctx.set_timer(params_->status_period, t);
      return;
    case TimerKind::kRequestTimeout: {
      // The server did not answer (it may be down): unmatched, retry later.
      const std::uint64_t nonce = local >> 8U;
      const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.nonce == nonce; });
      if (it == pending_.end()) return;
      const Pending p = *it;
      pending_.erase(it);
      grid.unmatched(ctx, p.job, p.attempt, {1, 1});
      return;
    }
  }
}

void Central::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, grid::GridNode& grid) {
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
      const std::uint64_t job = r.u64("job");
      const std::uint32_t attempt = r.u32("attempt");
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
      w.u64(job);
      w.u32(attempt);
      w.peer(chosen);
      ctx.send(from, w.bytes());
      return;
    }
    case kMatchReply: {
      const std::uint64_t job = r.u64("job");
      const std::uint32_t attempt = r.u32("attempt");
      const PeerId chosen = r.peer("chosen");
      r.expect_end();
      const auto it = std::find_if(pending_.begin(), pending_.end(),
                                   [&](const Pending& p) { return p.job == job && p.attempt == attempt; });
      if (it == pending_.end()) return;  // timed out already
      ctx.cancel(it->timer);
      pending_.erase(it);
      // One request and one reply; the server is one hop away.
      if (chosen.valid()) {
        grid.matched(ctx, job, attempt, chosen, {1, 2});
      } else {
        grid.unmatched(ctx, job, attempt, {1, 2});
      }
      return;
    }
    default: r.fail("type", "unknown central matchmaker message type " + std::to_string(h.type));
  }
}

}  // namespace p2pgrid::match
