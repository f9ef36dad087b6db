#include "p2pgrid/match/can_match_messages.hpp"

#include <type_traits>

namespace p2pgrid::match::canmatch {
namespace {

// Types 1-6 are the RN-Tree's and the central server's; the CAN
// matchmakers never share a run with them, but distinct types make a
// stray message a clear DecodeError rather than a misread.
enum Type : std::uint8_t { kForward = 16, kResult = 17, kAggregate = 18 };

}  // namespace

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit(
      [&](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Forward>) {
          w.header(ProtocolId::kMatch, kForward);
          msg.profile.encode(w);
          w.peer(msg.owner);
          w.u32(msg.owner_nonce);
          w.u16(msg.hops);
          w.u8(msg.forwards);
          w.u8(msg.pushes);
          w.u8(msg.round);
        } else if constexpr (std::is_same_v<T, Result>) {
          w.header(ProtocolId::kMatch, kResult);
          w.u32(msg.owner_nonce);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.peer(msg.node);
          w.u32(msg.hops);
          w.u32(msg.messages);
          w.boolean(msg.unmatchable);
        } else {
          w.header(ProtocolId::kMatch, kAggregate);
          for (const LineAggregate& l : msg.lines) {
            w.u32(l.count);
            w.u32(l.total);
          }
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
    case kForward: {
      Forward m;
      m.profile = grid::JobProfile::decode(r);
      m.owner = r.peer("owner");
      m.owner_nonce = r.u32("owner_nonce");
      m.hops = r.u16("hops");
      m.forwards = r.u8("forwards");
      m.pushes = r.u8("pushes");
      m.round = r.u8("round");
      out = m;
      break;
    }
    case kResult: {
      Result m;
      m.owner_nonce = r.u32("owner_nonce");
      m.job = r.u64("job");
      m.attempt = r.u32("attempt");
      m.node = r.peer("node");
      m.hops = r.u32("hops");
      m.messages = r.u32("messages");
      m.unmatchable = r.boolean("unmatchable");
      out = m;
      break;
    }
    case kAggregate: {
      Aggregate m;
      for (LineAggregate& l : m.lines) {
        l.count = r.u32("count");
        l.total = r.u32("total");
      }
      out = m;
      break;
    }
    default: r.fail("type", "unknown CAN matchmaking message type " + std::to_string(h.type));
  }
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::match::canmatch
