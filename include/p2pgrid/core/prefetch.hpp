#pragma once
/// Cache prefetch hints (no semantics): the engine's and the protocols'
/// prefetch hooks start loading a peer's state before its handler runs.

#include <cstddef>

namespace p2pgrid {

inline constexpr std::size_t kCacheLine = 64;

/// Asks for every cache line of [data, data + bytes).
inline void prefetch_bytes(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const char*>(data);
  for (std::size_t offset = 0; offset < bytes; offset += kCacheLine) __builtin_prefetch(p + offset);
}

}  // namespace p2pgrid
