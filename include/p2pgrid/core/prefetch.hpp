#pragma once
/// Cache prefetch hints (no semantics): the engine's and the protocols'
/// prefetch hooks start loading a peer's state before its handler runs.

#include <cstddef>
#include <cstdint>

namespace p2pgrid {

inline constexpr std::size_t kCacheLine = 64;

/// Asks for every cache line of [data, data + bytes), from the line that
/// holds the first byte (a block that does not start on a line boundary
/// ends in one more line than bytes / 64).
inline void prefetch_bytes(const void* data, std::size_t bytes) {
  const auto start = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t end = start + bytes;
  for (std::uintptr_t line = start - start % kCacheLine; line < end; line += kCacheLine) {
    // An address below `data` is no pointer into the block: formed from the integer.
    const auto* p = reinterpret_cast<const char*>(line);  // NOLINT(performance-no-int-to-ptr)
    __builtin_prefetch(p);
    // GCC counts a prefetch as no side effect, so it may delete a loop of
    // them as a finite loop without effect (-ffinite-loops, on in C++11
    // and later), which it did where the call sat in a branch. The empty
    // asm is an effect it cannot delete; it emits no instruction.
    asm volatile("" : : "r"(p));
  }
}

}  // namespace p2pgrid
