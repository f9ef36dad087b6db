#include "p2pgrid/grid/messages.hpp"

namespace p2pgrid::grid {

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit([&](const auto& msg) { write_message(w, ProtocolId::kGrid, FieldContext{}, msg); }, m);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kGrid);
  Message m;
  read_message(r, FieldContext{}, h.type, m, "grid");
  r.expect_end();
  return m;
}

}  // namespace p2pgrid::grid
