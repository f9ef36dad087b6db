#include "p2pgrid/match/can_match_messages.hpp"

namespace p2pgrid::match::canmatch {

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit([&](const auto& msg) { write_message(w, ProtocolId::kMatch, FieldContext{}, msg); }, m);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kMatch);
  Message out;
  read_message(r, FieldContext{}, h.type, out, "CAN matchmaking");
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::match::canmatch
