#include "gossip.hpp"

#include <array>
#include <cstddef>
#include <memory>

#include "p2pgrid/core/codec.hpp"

namespace gossip {
namespace {

// Protocol ids 1..5 are p2pgrid's own; a private stack takes any other.
constexpr auto kGossip = static_cast<p2pgrid::ProtocolId>(42);
constexpr std::uint8_t kRumour = 1;

constexpr std::array kFields{
    p2pgrid::FieldDesc{"peer", p2pgrid::FieldType::kU32, offsetof(RumourRecord, peer), "", "the peer"},
    p2pgrid::FieldDesc{"hops", p2pgrid::FieldType::kU32, offsetof(RumourRecord, hops), "", "pushes from peer 0"},
    p2pgrid::FieldDesc{"heard", p2pgrid::FieldType::kI64, offsetof(RumourRecord, heard_ns), "ns",
                       "first heard the rumour", {}, p2pgrid::kNever},
};

}  // namespace

const p2pgrid::TableDesc RumourRecord::kTable{"rumour", sizeof(RumourRecord), kFields,
                                              "When each peer first heard the rumour.", 1};
// The trace writer refuses rows with padding: the fields must cover all 16 bytes.
static_assert(sizeof(RumourRecord) == 16);

Node::Node(p2pgrid::PeerId /*self*/, const Params& params) : params_(&params) {}

void Node::on_start(p2pgrid::Context& ctx) {
  if (ctx.self().value == 0) hear(ctx, 0);
}

void Node::on_message(p2pgrid::Context& ctx, p2pgrid::PeerId /*from*/, std::span<const std::byte> bytes) {
  p2pgrid::Reader r(bytes);
  const auto header = r.header(kGossip);
  if (header.type != kRumour) r.fail("type", "unknown gossip message");
  const std::uint32_t hops = r.u32("hops");
  r.expect_end();
  if (heard_ns_ < 0) hear(ctx, hops);
}

void Node::hear(p2pgrid::Context& ctx, std::uint32_t hops) {
  heard_ns_ = ctx.now().ns;
  hops_ = hops;
  for (std::uint32_t i = 0; i < params_->fanout; ++i) {
    std::array<std::byte, 16> buffer{};
    p2pgrid::Writer w(buffer);
    w.header(kGossip, kRumour);
    w.u32(hops + 1);
    ctx.send(p2pgrid::PeerId{static_cast<std::uint32_t>(ctx.rng().below(params_->peers))}, w.bytes());
  }
}

void Node::on_finish(p2pgrid::Context& ctx, bool /*alive*/) const {
  ctx.trace().record(RumourRecord{ctx.self().value, hops_, heard_ns_});
}

p2pgrid::ProtocolFactory factory(Params params) {
  return [params](const p2pgrid::ShardPeers& shard) {
    return std::make_unique<p2pgrid::NodeProtocol<Node, Params>>(shard, params);
  };
}

}  // namespace gossip
