#include "p2pgrid/match/rntree_messages.hpp"

namespace p2pgrid::match::rntree {

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit([&](const auto& msg) { write_message(w, ProtocolId::kMatch, FieldContext{}, msg); }, m);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kMatch);
  Message out;
  read_message(r, FieldContext{}, h.type, out, "RN-Tree");
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::match::rntree
