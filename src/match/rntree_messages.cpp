#include "p2pgrid/match/rntree_messages.hpp"

#include <string>
#include <type_traits>

namespace p2pgrid::match::rntree {
namespace {

enum Type : std::uint8_t { kSummary = 1, kSummaryAck, kWalk, kExplore, kExploreReply, kFound };

void put(Writer& w, const grid::Resources& r) {
  for (const std::uint32_t v : r) w.u32(v);
}
grid::Resources get(Reader& r, const char* field) {
  grid::Resources out{};
  for (std::uint32_t& v : out) v = r.u32(field);
  return out;
}

}  // namespace

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Summary>) {
          w.header(ProtocolId::kMatch, kSummary);
          put(w, msg.summary.max);
          w.u32(msg.summary.size);
          w.u32(msg.summary.min_queue);
        } else if constexpr (std::is_same_v<T, SummaryAck>) {
          w.header(ProtocolId::kMatch, kSummaryAck);
        } else if constexpr (std::is_same_v<T, Walk>) {
          w.header(ProtocolId::kMatch, kWalk);
          w.peer(msg.owner);
          w.u32(msg.owner_nonce);
          w.u64(msg.job);
          w.u32(msg.attempt);
          put(w, msg.requirements);
          w.u32(msg.steps_left);
          w.u32(msg.hops);
        } else if constexpr (std::is_same_v<T, Explore>) {
          w.header(ProtocolId::kMatch, kExplore);
          w.u32(msg.nonce);
          put(w, msg.requirements);
          w.peer(msg.exclude);
        } else if constexpr (std::is_same_v<T, ExploreReply>) {
          if (msg.count > kMaxReplyChildren) throw EncodeError("ExploreReply lists more children than it holds");
          w.header(ProtocolId::kMatch, kExploreReply);
          w.u32(msg.nonce);
          put(w, msg.capabilities);
          w.u32(msg.queue);
          w.peer(msg.parent);
          w.u32(msg.count);
          for (const ChildRef& c : msg.listed()) {
            w.peer(c.peer);
            w.u32(c.min_queue);
          }
        } else {
          static_assert(std::is_same_v<T, Found>);
          w.header(ProtocolId::kMatch, kFound);
          w.u32(msg.owner_nonce);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.peer(msg.winner);
          w.u32(msg.hops);
          w.u32(msg.messages);
          w.boolean(msg.covered);
        }
      },
      m);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kMatch);
  Message out;
  switch (h.type) {
    case kSummary: {
      Summary m;
      m.summary.max = get(r, "max");
      m.summary.size = r.u32("size");
      m.summary.min_queue = r.u32("min_queue");
      out = m;
      break;
    }
    case kSummaryAck: out = SummaryAck{}; break;
    case kWalk: {
      Walk m;
      m.owner = r.peer("owner");
      m.owner_nonce = r.u32("owner_nonce");
      m.job = r.u64("job");
      m.attempt = r.u32("attempt");
      m.requirements = get(r, "requirements");
      m.steps_left = r.u32("steps_left");
      m.hops = r.u32("hops");
      out = m;
      break;
    }
    case kExplore: {
      Explore m;
      m.nonce = r.u32("nonce");
      m.requirements = get(r, "requirements");
      m.exclude = r.peer("exclude");
      out = m;
      break;
    }
    case kExploreReply: {
      ExploreReply m;
      m.nonce = r.u32("nonce");
      m.capabilities = get(r, "capabilities");
      m.queue = r.u32("queue");
      m.parent = r.peer("parent");
      m.count = r.count("count", 8);
      if (m.count > kMaxReplyChildren) {
        r.fail("count", std::to_string(m.count) + " children, at most " + std::to_string(kMaxReplyChildren));
      }
      for (ChildRef& c : std::span<ChildRef>(m.children.data(), m.count)) {
        c.peer = r.peer("child");
        c.min_queue = r.u32("child_min_queue");
      }
      out = m;
      break;
    }
    case kFound: {
      Found m;
      m.owner_nonce = r.u32("owner_nonce");
      m.job = r.u64("job");
      m.attempt = r.u32("attempt");
      m.winner = r.peer("winner");
      m.hops = r.u32("hops");
      m.messages = r.u32("messages");
      m.covered = r.boolean("covered");
      out = m;
      break;
    }
    default: r.fail("type", "unknown RN-Tree message type " + std::to_string(h.type));
  }
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::match::rntree
