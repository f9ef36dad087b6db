#pragma once
/// Compact event keys and a 4-ary min-heap of them. Ordering is (time, src,
/// seq): the sender's address and its own sequence number, both independent
/// of which rank hosts whom, so ties break the same way on any rank count.
/// Four children per node halve the depth of a binary heap and keep a
/// node's children within 128 bytes (4 x 32).

#include <cstdint>
#include <vector>

#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

struct EventKey {
  std::int64_t time;
  std::uint64_t seq;   ///< the sender's own counter
  std::uint32_t src;   ///< the sender's PeerId value (engine events: max)
  std::uint32_t slot;  ///< where the event's body lives; not part of the order
  /// The local slot of the peer it is for; not part of the order. Known
  /// without reading the body, so the engine can prefetch that peer's
  /// state one event ahead.
  std::uint32_t dst;

  [[nodiscard]] constexpr bool before(const EventKey& o) const {
    if (time != o.time) return time < o.time;
    if (src != o.src) return src < o.src;
    return seq < o.seq;
  }
};

class EventHeap {
 public:
  [[nodiscard]] bool empty() const { return heap_.empty(); }
  [[nodiscard]] std::size_t heap_bytes() const { return heap_.capacity() * sizeof(EventKey); }
  [[nodiscard]] std::size_t size() const { return heap_.size(); }
  [[nodiscard]] const EventKey& top() const { return heap_.front(); }
  /// The event after top() (a child of the root), or nullptr if none.
  [[nodiscard]] const EventKey* second() const {
    const std::size_t n = heap_.size();
    if (n < 2) return nullptr;
    const std::size_t end = n < kArity + 1 ? n : kArity + 1;
    const EventKey* best = &heap_[1];
    for (std::size_t c = 2; c < end; ++c) {
      if (heap_[c].before(*best)) best = &heap_[c];
    }
    return best;
  }
  [[nodiscard]] Time next_time() const { return empty() ? Time::never() : Time{heap_.front().time}; }
  void reserve(std::size_t n) { heap_.reserve(n); }

  void push(const EventKey& e) {
    std::size_t i = heap_.size();
    heap_.push_back(e);
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!e.before(heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  EventKey pop() {
    const EventKey result = heap_.front();
    const EventKey last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return result;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = first + kArity < n ? first + kArity : n;
      for (std::size_t c = first + 1; c < end; ++c) {
        if (heap_[c].before(heap_[best])) best = c;
      }
      if (!heap_[best].before(last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return result;
  }

 private:
  static constexpr std::size_t kArity = 4;
  std::vector<EventKey> heap_;
};

}  // namespace p2pgrid
