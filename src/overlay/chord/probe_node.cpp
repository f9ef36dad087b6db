#include "p2pgrid/overlay/chord/probe_node.hpp"

#include <algorithm>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/overlay/chord/lookup_recorder.hpp"

namespace p2pgrid::chord {

std::uint64_t ProbeNode::probe_tag() { return timer_tag(ProtocolId::kChord, Node::kWorkloadTimerKind); }

void ProbeNode::on_start(Context& ctx) {
  // Workload draws get their own stream, renewed per incarnation so a
  // restarted peer does not replay its old keys.
  workload_rng_ = Rng(hash_combine(Rng(params_->salt, ctx.self(), Purpose::kWorkload).state(),
                                   static_cast<std::uint64_t>(ctx.now().ns)));
  node_.on_start(ctx);
  arm_when_joined(ctx);
}

void ProbeNode::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
  LookupRecorder recorder;
  node_.on_message(ctx, from, bytes, recorder);
  arm_when_joined(ctx);
}

void ProbeNode::on_timer(Context& ctx, std::uint64_t tag) {
  LookupRecorder recorder;
  if (tag == probe_tag()) {
    if (node_.joined()) node_.lookup(ctx, probe_key(), Node::kProbeCookie, recorder);
    ctx.set_timer(next_gap(), tag);
    return;
  }
  node_.on_timer(ctx, tag, recorder);
  arm_when_joined(ctx);
}

void ProbeNode::arm_when_joined(Context& ctx) {
  if (probing_ || params_->probe_interval.ns <= 0 || !node_.joined()) return;
  probing_ = true;
  const Time first = std::max(ctx.now(), params_->probe_start);
  ctx.set_timer((first - ctx.now()) + next_gap(), probe_tag());
}

Duration ProbeNode::next_gap() {
  return Duration{static_cast<std::int64_t>(workload_rng_.exponential(static_cast<double>(params_->probe_interval.ns)))};
}

RingId ProbeNode::probe_key() {
  if (params_->probe_finger_bits == 0) return workload_rng_();
  const std::uint64_t bits = std::min<std::uint64_t>(params_->probe_finger_bits, FingerTable::kSize);
  const auto index = static_cast<unsigned>(FingerTable::kSize - bits + workload_rng_.below(bits));
  const PeerId f = node_.fingers().at(index);
  // An empty entry (a peer still filling its table) stands for the successor,
  // the nearest peer it knows; SimGrid's table starts out naming the node itself.
  return node_.id_of(f.valid() ? f : node_.successor());
}

}  // namespace p2pgrid::chord
