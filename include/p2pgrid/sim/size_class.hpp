#pragma once
/// Size classes for recycled buffers: four per power of two (capacities 4,
/// 5, 6 and 7 times 2^k bytes), so a buffer of the class that fits a
/// payload holds at most 1.25 times the payload. Class 0 stands for a
/// buffer without storage; classes 1-3 are unused.

#include <bit>
#include <cstddef>

namespace p2pgrid::size_class {

/// Classes 0-251: the last, 7 x 2^61 bytes, is the largest that a
/// std::size_t can state, and below() of any size is at most 251.
inline constexpr std::size_t kCount = std::size_t{4} * 63;

/// The largest class whose capacity is at most `bytes` (0 below 4 bytes).
constexpr std::size_t below(std::size_t bytes) {
  if (bytes < 4) return 0;
  const auto e = static_cast<std::size_t>(std::bit_width(bytes) - 1);
  return 4 * (e - 1) + ((bytes >> (e - 2)) & 3U);
}

/// The capacity of class `c` (c >= 4).
constexpr std::size_t capacity(std::size_t c) { return (4 + c % 4) << (c / 4 - 1); }

/// The smallest class whose capacity is at least `bytes` (bytes >= 4).
constexpr std::size_t fitting(std::size_t bytes) {
  const std::size_t c = below(bytes);
  return capacity(c) < bytes ? c + 1 : c;
}

}  // namespace p2pgrid::size_class
