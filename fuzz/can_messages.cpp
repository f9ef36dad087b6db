// CAN's wire decoder, for every dimension count: any bytes either decode or
// throw DecodeError; what decodes encodes again to bytes that decode alike.
#include <array>
#include <memory>
#include <variant>
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/overlay/can/messages.hpp"

using namespace p2pgrid;

namespace {

std::vector<std::byte> encoded(int dims, const can::Message& m) {
  static std::array<std::byte, 65536> buffer{};
  Writer w(buffer);
  const auto out = std::visit([&](const auto& msg) { return can::encode(w, dims, msg); }, m);
  return {out.begin(), out.end()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int dims = 1 + data[0] % 4;
  // Messages hold large fixed-capacity lists: keep them off the stack.
  static auto out = std::make_unique<can::Message>();
  static auto back = std::make_unique<can::Message>();
  try {
    can::decode(fuzz::bytes(data + 1, size - 1), dims, *out);
  } catch (const DecodeError&) {
    return 0;
  }
  try {
    const std::vector<std::byte> first = encoded(dims, *out);
    can::decode(first, dims, *back);
    fuzz::require(encoded(dims, *back) == first, "can: decode(encode(m)) == m");
  } catch (const EncodeError&) {
    // A decoded message too large to re-encode into 64 KiB cannot have come in one.
    fuzz::require(false, "can: a decoded message does not encode");
  }
  return 0;
}
