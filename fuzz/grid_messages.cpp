// The grid wire decoder: any bytes either decode or throw DecodeError;
// what decodes encodes again and decodes to the same bytes.
#include <array>
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/grid/messages.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const grid::Message m = grid::decode(fuzz::bytes(data, size));
    std::array<std::byte, grid::kMaxMessageSize> buffer{};
    const auto once = grid::encode(m, buffer);
    const std::vector<std::byte> first(once.begin(), once.end());
    std::array<std::byte, grid::kMaxMessageSize> buffer2{};
    const auto twice = grid::encode(grid::decode(first), buffer2);
    fuzz::require(std::vector<std::byte>(twice.begin(), twice.end()) == first, "grid: decode(encode(m)) == m");
  } catch (const DecodeError&) {
  }
  return 0;
}
