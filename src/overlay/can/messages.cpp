#include "p2pgrid/overlay/can/messages.hpp"

#include <string>

namespace p2pgrid::can {
namespace {

template <class M>
std::span<const std::byte> encode_message(Writer& w, int dims, const M& m) {
  // The dimension count follows the header, so peers configured with a
  // different d reject the message before reading a point.
  write_message(w, ProtocolId::kCan, FieldContext{0, dims}, m,
                [dims](Writer& out) { out.u8(static_cast<std::uint8_t>(dims)); });
  return w.bytes();
}

thread_local Message t_scratch;
thread_local bool t_scratch_busy = false;

}  // namespace

MessageLease::MessageLease() {
  if (t_scratch_busy) {
    own_ = std::make_unique<Message>();
    message_ = own_.get();
  } else {
    t_scratch_busy = true;
    message_ = &t_scratch;
  }
}

MessageLease::~MessageLease() {
  if (!own_) t_scratch_busy = false;
}

std::span<const std::byte> encode(Writer& w, int dims, const RouteMsg& m) { return encode_message(w, dims, m); }
std::span<const std::byte> encode(Writer& w, int dims, const JoinReplyMsg& m) { return encode_message(w, dims, m); }
std::span<const std::byte> encode(Writer& w, int dims, const UpdateMsg& m) { return encode_message(w, dims, m); }
std::span<const std::byte> encode(Writer& w, int dims, const LeaveMsg& m) { return encode_message(w, dims, m); }
std::span<const std::byte> encode(Writer& w, int dims, const HandoverMsg& m) { return encode_message(w, dims, m); }
std::span<const std::byte> encode(Writer& w, int dims, const ProbeReplyMsg& m) { return encode_message(w, dims, m); }

void decode(std::span<const std::byte> bytes, int dims, Message& out) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kCan);
  const std::uint8_t d = r.u8("dims");
  if (d != dims) {
    r.fail("dims",
           "message for a " + std::to_string(d) + "-dimensional space; this peer's has " + std::to_string(dims));
  }
  read_message(r, FieldContext{0, dims}, h.type, out, "CAN");
  r.expect_end();
}

}  // namespace p2pgrid::can
