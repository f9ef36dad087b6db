// The rntree wire decoder: any bytes either decode or throw DecodeError;
// what decodes encodes again and decodes to the same bytes.
#include <array>
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/match/rntree_messages.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const match::rntree::Message m = match::rntree::decode(fuzz::bytes(data, size));
    std::array<std::byte, match::rntree::kMaxMessageSize> buffer{};
    const auto once = match::rntree::encode(m, buffer);
    const std::vector<std::byte> first(once.begin(), once.end());
    std::array<std::byte, match::rntree::kMaxMessageSize> buffer2{};
    const auto twice = match::rntree::encode(match::rntree::decode(first), buffer2);
    fuzz::require(std::vector<std::byte>(twice.begin(), twice.end()) == first, "rntree: decode(encode(m)) == m");
  } catch (const DecodeError&) {
  }
  return 0;
}
