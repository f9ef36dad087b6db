#include "p2pgrid/overlay/chord/messages.hpp"

namespace p2pgrid::chord {

std::span<const std::byte> encode(const Message& message, std::span<std::byte> buffer) {
  Writer w(buffer);
  std::visit([&](const auto& m) { write_message(w, ProtocolId::kChord, FieldContext{}, m); }, message);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes, std::uint32_t peers) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kChord);
  Message out;
  read_message(r, FieldContext{peers, 0}, h.type, out, "Chord");
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::chord
