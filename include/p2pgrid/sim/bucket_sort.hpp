#pragma once
/// The sort that puts one event-queue bucket in (time, src, seq) order.
///
/// A bucket holds tens of thousands of keys whose times all lie in one
/// window of 2^bits ns. std::sort's comparisons go either way at random,
/// and were 6% of a 100,000-peer CAN run. Here a stable radix sort on the
/// time's offset in the window (two counting passes) orders the keys by
/// time, keeping equal times in the order they were pushed, and a last pass
/// sorts each run of equal times by (src, seq): the same order as the
/// comparison sort, so results do not change.

#include <array>
#include <cstdint>
#include <vector>

#include "p2pgrid/sim/event_heap.hpp"

namespace p2pgrid {

class BucketSort {
 public:
  static constexpr unsigned kDigitBits = 13;
  static constexpr unsigned kMaxBits = 2 * kDigitBits;

  /// Sorts `keys` by EventKey::before. Every key's time must lie in
  /// [start, start + 2^bits), bits <= kMaxBits.
  void operator()(std::vector<EventKey>& keys, std::int64_t start, unsigned bits);

  /// Frees the working copy if it has room for more than `keys` keys (the
  /// queue's rule for drained buckets: a start-up burst, every peer's first
  /// timer in one bucket, must not hold its capacity for the whole run).
  void trim(std::size_t keys);
  /// Heap bytes of the working copy (memory accounting).
  [[nodiscard]] std::size_t heap_bytes() const { return scratch_.capacity() * sizeof(EventKey); }

 private:
  static constexpr std::size_t kDigits = std::size_t{1} << kDigitBits;
  std::vector<EventKey> scratch_;  ///< the keys between the two passes
  std::array<std::uint32_t, kDigits> low_{};
  std::array<std::uint32_t, kDigits> high_{};
};

}  // namespace p2pgrid
