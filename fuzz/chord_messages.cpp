// Chord's wire decoder: any bytes either decode or throw DecodeError; what
// decodes encodes again and decodes to the same bytes.
#include <array>
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/overlay/chord/messages.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The peer count bounds ids; take it from the input so small and huge
  // address spaces are both explored.
  if (size < 4) return 0;
  const std::uint32_t peers = 1U + (static_cast<std::uint32_t>(data[0]) | static_cast<std::uint32_t>(data[1]) << 8U |
                                    static_cast<std::uint32_t>(data[2]) << 16U | static_cast<std::uint32_t>(data[3]) << 24U);
  try {
    const chord::Message m = chord::decode(fuzz::bytes(data + 4, size - 4), peers);
    std::array<std::byte, chord::kMaxMessageSize> buffer{};
    const auto once = chord::encode(m, buffer);
    const std::vector<std::byte> first(once.begin(), once.end());
    const chord::Message again = chord::decode(first, peers);
    std::array<std::byte, chord::kMaxMessageSize> buffer2{};
    const auto twice = chord::encode(again, buffer2);
    fuzz::require(std::vector<std::byte>(twice.begin(), twice.end()) == first, "chord: decode(encode(m)) == m");
  } catch (const DecodeError&) {
  }
  return 0;
}
