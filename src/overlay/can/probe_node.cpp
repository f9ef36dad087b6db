#include "p2pgrid/overlay/can/probe_node.hpp"

#include <algorithm>

#include "p2pgrid/overlay/can/probe_record.hpp"

namespace p2pgrid::can {

std::span<const std::byte> encode(std::span<std::byte, kProbePayloadBytes> buffer, const ProbePayload& p) {
  Writer w(buffer);
  w.peer(p.origin);
  w.u32(p.seq);
  return w.bytes();
}

ProbePayload decode_probe(std::span<const std::byte> bytes) {
  Reader r(bytes);
  ProbePayload p;
  p.origin = r.peer("probe.origin");
  p.seq = r.u32("probe.seq");
  r.expect_end();
  return p;
}

ProbeNode::ProbeNode(PeerId self, const Params& params)
    : node_(self, params), rng_(params.seed, self, Purpose::kWorkload) {}

void ProbeNode::on_start(Context& ctx) {
  node_.start(ctx, *this);
  const Params& p = node_.params();
  if (p.probe_interval.ns > 0) arm_probe(ctx, p.probe_start);
}

void ProbeNode::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
  MessageLease lease;
  Message& m = lease.get();
  decode(bytes, node_.params().dims(), m);
  if (node_.handle(ctx, *this, from, m)) return;
  const auto& reply = std::get<ProbeReplyMsg>(m);
  complete(ctx, reply.seq, reply.result, reply.hops, ProbeRecord::kDelivered);
}

void ProbeNode::on_timer(Context& ctx, std::uint64_t tag) {
  if (node_.handle_timer(ctx, *this, tag)) return;
  switch (kind_of_timer(tag)) {
    case TimerKind::kProbe: send_probe(ctx); return;
    case TimerKind::kProbeTimeout:
      complete(ctx, static_cast<std::uint32_t>(data_of_timer(tag)), PeerId::none(), 0, ProbeRecord::kTimeout);
      return;
    default: return;
  }
}

void ProbeNode::on_leave(Context& ctx) { node_.leave(ctx, *this); }

void ProbeNode::on_finish(Context& ctx, bool alive) const { node_.record_zones(ctx, alive); }

void ProbeNode::arm_probe(Context& ctx, Time not_before) {
  const Params& p = node_.params();
  const Time from = std::max(ctx.now(), not_before);
  const auto gap = static_cast<std::int64_t>(rng_.exponential(static_cast<double>(p.probe_interval.ns)));
  const Time at = from + Duration{gap};
  if (at >= p.probe_stop) return;
  ctx.set_timer(at - ctx.now(), can_timer(TimerKind::kProbe));
}

void ProbeNode::send_probe(Context& ctx) {
  const Params& p = node_.params();
  if (node_.phase() == Phase::kJoined) {
    Pending probe{next_seq_++, {}, ctx.now()};
    for (int d = 0; d < p.dims(); ++d) probe.point.x[static_cast<std::size_t>(d)] = static_cast<std::uint32_t>(rng_() >> 32U);
    pending_.push_back(probe);
    ctx.set_timer(p.probe_timeout, can_timer(TimerKind::kProbeTimeout, probe.seq));
    std::array<std::byte, kProbePayloadBytes> buffer{};
    node_.route(ctx, *this, probe.point, encode(buffer, ProbePayload{ctx.self(), probe.seq}));
  }
  arm_probe(ctx, ctx.now());
}

void ProbeNode::on_routed(Context& ctx, const Point& /*target*/, std::span<const std::byte> payload,
                          std::uint32_t hops) {
  const ProbePayload probe = decode_probe(payload);
  if (probe.origin == ctx.self()) {
    complete(ctx, probe.seq, ctx.self(), hops, ProbeRecord::kDelivered);
    return;
  }
  BufferWriter<64> w;
  ctx.send(probe.origin, encode(w, node_.params().dims(),
                                ProbeReplyMsg{probe.seq, ctx.self(), static_cast<std::uint16_t>(hops)}));
}

void ProbeNode::complete(Context& ctx, std::uint32_t seq, PeerId result, std::uint32_t hops, std::uint32_t outcome) {
  const auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& q) { return q.seq == seq; });
  if (it == pending_.end()) return;  // already answered or timed out
  ProbeRecord row{};
  row.time_ns = it->sent.ns;
  row.origin = ctx.self().value;
  row.result = result.value;
  row.latency_ns = (ctx.now() - it->sent).ns;
  for (int d = 0; d < kMaxDims; ++d) row.point[d] = to_unit(it->point.x[static_cast<std::size_t>(d)]);
  row.hops = hops;
  row.outcome = outcome;
  ctx.trace().record(row);
  pending_.erase(it);
}

ProtocolFactory factory(Params params) {
  return [params](const ShardPeers& shard) {
    return std::make_unique<NodeProtocol<ProbeNode, Params>>(shard, params);
  };
}

}  // namespace p2pgrid::can
