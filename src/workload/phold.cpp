#include "p2pgrid/workload/phold.hpp"

#include <array>
#include <cstddef>

#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"

namespace p2pgrid::phold {
namespace {

/// The one PHOLD message: an event travelling on, with its hop count.
struct Hop {
  static constexpr std::uint8_t kType = 1;
  std::uint64_t hops = 0;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("hops", s.hops);
  }
};

}  // namespace

std::span<const std::byte> encode_hop(std::span<std::byte, 16> buffer, std::uint64_t hops) {
  Writer w(buffer);
  write_message(w, ProtocolId::kPhold, FieldContext{}, Hop{hops});
  return w.bytes();
}

std::uint64_t decode_hop(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kPhold);
  std::variant<Hop> m;
  read_message(r, FieldContext{}, h.type, m, "PHOLD");
  r.expect_end();
  return std::get<Hop>(m).hops;
}

Node::Node(PeerId /*self*/, const Params& params) : params_(&params) {}

void Node::on_start(Context& ctx) {
  for (std::uint32_t i = 0; i < params_->initial; ++i) forward(ctx, 0);
}

void Node::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) {
  const std::uint64_t hops = decode_hop(bytes);
  ++events_;
  last_ = ctx.now();
  digest_ = hash_combine(hash_combine(hash_combine(digest_, static_cast<std::uint64_t>(ctx.now().ns)), from.value),
                         hops);
  if (params_->think.ns > 0) {
    const auto hold = static_cast<std::int64_t>(ctx.rng().exponential(static_cast<double>(params_->think.ns)));
    ctx.set_timer(Duration{hold}, timer_tag(ProtocolId::kPhold, hops + 1));
  } else {
    forward(ctx, hops + 1);
  }
}

void Node::on_timer(Context& ctx, std::uint64_t tag) { forward(ctx, local_of_tag(tag)); }

void Node::forward(Context& ctx, std::uint64_t hops) {
  std::array<std::byte, 16> buffer{};
  const PeerId to{static_cast<std::uint32_t>(ctx.rng().below(params_->peers))};
  ctx.send(to, encode_hop(buffer, hops));
}

void Node::on_finish(Context& ctx, bool alive) const {
  if (!alive) return;
  ctx.trace().record(PholdRecord{ctx.self().value, events_, digest_, last_.ns});
}

namespace {
constexpr std::array kPholdFields{
    FieldDesc{"peer", FieldType::kU64, offsetof(PholdRecord, peer), "", "the peer"},
    FieldDesc{"events", FieldType::kU64, offsetof(PholdRecord, events), "", "messages received since last start"},
    FieldDesc{"digest", FieldType::kU64, offsetof(PholdRecord, digest), "",
              "order-sensitive hash of every message received"},
    FieldDesc{"last", FieldType::kI64, offsetof(PholdRecord, last_ns), "ns", "time of the last message"},
};
}  // namespace

const TableDesc PholdRecord::kTable{"phold", sizeof(PholdRecord), kPholdFields,
                                    "PHOLD engine exercise: one row per live peer at the end.", 1};

ProtocolFactory factory(Params params) {
  return [params](const ShardPeers& shard) { return std::make_unique<NodeProtocol<Node, Params>>(shard, params); };
}

}  // namespace p2pgrid::phold
