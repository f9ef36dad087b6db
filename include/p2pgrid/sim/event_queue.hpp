#pragma once
/// The shard's pending events: a ring of time buckets, the current bucket
/// sorted, and a small heap for what is pushed into the current bucket's
/// time. Most events are periodic timers tens of seconds away; kept in one
/// heap of a million entries, every pop walks ten levels of cache misses.
/// Here a push beyond the horizon is an append to its bucket; when the
/// clock reaches a bucket, one sort puts its events in order (a sequential
/// pass, where popping them from a heap of 50,000 keys missed the cache on
/// every level below the first few), and the heap holds only the messages
/// sent meanwhile that arrive before the horizon.
///
/// The order is exactly (time, src, seq): every event in the run and in the
/// heap is earlier than the horizon and every bucketed one is not, so the
/// smaller of the run's head and the heap's top is the global minimum.
/// Bucketing changes speed, not results.
///
/// Worked example with 33.6 ms buckets (2^25 ns) starting at horizon 0: an
/// event at 10 ms goes to the heap; one at 30 s goes to bucket 894
/// (30e9 >> 25); when the run and the heap are empty, the horizon steps
/// bucket by bucket, and at bucket 894 its events are sorted into the run.
///
/// The width: 33.6 ms sends more of the messages (10-100 ms away by
/// default) to a later bucket's sorted run than 67 ms did, instead of the
/// heap, whose pops miss the cache. The ring still spans 68.7 s: spanning
/// half that, it sent the periodic timers 34-69 s away to the far list,
/// and the 1,000,000-peer grid's peak memory rose by 47-67 bytes/peer
/// (docs/performance.md, "Event buckets of 33.6 ms, and the ring's span").

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "p2pgrid/sim/bucket_sort.hpp"
#include "p2pgrid/sim/event_heap.hpp"

namespace p2pgrid {

class EventQueue {
 public:
  static constexpr unsigned kBucketShift = 25;      ///< 2^25 ns = 33.6 ms per bucket
  static_assert(kBucketShift <= BucketSort::kMaxBits);
  static constexpr std::size_t kBuckets = 2048;     ///< the ring spans 68.7 s
  static constexpr std::int64_t kBucketWidth = std::int64_t{1} << kBucketShift;
  /// Capacity a drained bucket may keep whatever the load (keys). The ring
  /// may hold kBuckets times this beside its events: 8 MiB, as with 1,024
  /// buckets of 256 (2,048 of 256 added 11-15 MiB to small runs' peaks).
  static constexpr std::size_t kKeptCapacity = 128;

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t size() const { return size_; }
  void reserve(std::size_t n) { heap_.reserve(n); }
  /// Keys the ring's buckets have room for: memory held, pending or not.
  [[nodiscard]] std::size_t ring_capacity() const {
    std::size_t keys = 0;
    for (const auto& b : ring_) keys += b.capacity();
    return keys;
  }

  /// Memory held by the heap, the run, the ring and the far list, pending or not.
  [[nodiscard]] std::size_t heap_bytes() const {
    return heap_.heap_bytes() + sort_.heap_bytes() +
           (run_.capacity() + ring_capacity() + far_.capacity()) * sizeof(EventKey);
  }

  void push(const EventKey& e) {
    ++size_;
    if (e.time < horizon_) {
      heap_.push(e);
      return;
    }
    const std::int64_t bucket = e.time >> kBucketShift;
    if (bucket - base_ < static_cast<std::int64_t>(kBuckets)) {
      ring_[static_cast<std::size_t>(bucket) % kBuckets].push_back(e);
    } else {
      far_.push_back(e);
    }
  }

  /// The earliest event (the queue must not be empty).
  [[nodiscard]] const EventKey& top() {
    settle();
    return run_first() ? run_[pos_] : heap_.top();
  }

  /// The event after top() if it is in the current bucket (a prefetch
  /// hint: nullptr says nothing about the queue). Call after top().
  [[nodiscard]] const EventKey* second() const {
    const EventKey* run_next = nullptr;
    const EventKey* other = nullptr;
    if (run_first()) {
      run_next = pos_ + 1 < run_.size() ? &run_[pos_ + 1] : nullptr;
      other = heap_.empty() ? nullptr : &heap_.top();
    } else {
      run_next = pos_ < run_.size() ? &run_[pos_] : nullptr;
      other = heap_.second();
    }
    if (run_next == nullptr) return other;
    if (other == nullptr) return run_next;
    return other->before(*run_next) ? other : run_next;
  }

  EventKey pop() {
    settle();
    --size_;
    if (!run_first()) return heap_.pop();
    const EventKey e = run_[pos_++];
    if (pos_ == run_.size()) {
      release_if_oversized(run_);
      pos_ = 0;
    }
    return e;
  }

  [[nodiscard]] Time next_time() {
    if (empty()) return Time::never();
    return Time{top().time};
  }

 private:
  /// Whether the run's head is the earliest event before the horizon (the
  /// run or the heap must hold one).
  [[nodiscard]] bool run_first() const {
    if (pos_ == run_.size()) return false;
    return heap_.empty() || run_[pos_].before(heap_.top());
  }

  /// Sorts buckets into the run until the run or the heap holds the
  /// earliest event. The drained run's storage goes back to the ring.
  void settle() {
    while (pos_ == run_.size() && heap_.empty() && size_ > 0) {
      std::vector<EventKey>& bucket = ring_[static_cast<std::size_t>(base_) % kBuckets];
      run_.swap(bucket);  // the drained run was cleared: the bucket starts empty
      pos_ = 0;
      sort_(run_, base_ << kBucketShift, kBucketShift);
      sort_.trim(kKeptCapacity + 2 * (size_ / kBuckets));
      ++base_;
      horizon_ = base_ << kBucketShift;
      if (base_ % static_cast<std::int64_t>(kBuckets) == 0) pull_far();
      if (run_.empty() && heap_.empty() && ring_empty()) jump_to_far();
    }
  }

  /// Each bucket is, once per turn, the one just ahead of the clock, where
  /// every message in flight lands: kept, that peak capacity would be paid
  /// 1,024 times over (at 100,000 peers: 260 MB of capacity for 0.45 M
  /// pending events). A drained run far above the average keeps none, so
  /// the bucket it is swapped into next does not either.
  void release_if_oversized(std::vector<EventKey>& bucket) const {
    const std::size_t average = size_ / kBuckets;
    if (bucket.capacity() > kKeptCapacity + 2 * average) {
      std::vector<EventKey>().swap(bucket);
    } else {
      bucket.clear();
    }
  }

  /// After a full turn of the ring, far events that now fit move in.
  void pull_far() {
    std::size_t kept = 0;
    for (const EventKey& e : far_) {
      const std::int64_t bucket = e.time >> kBucketShift;
      if (bucket - base_ < static_cast<std::int64_t>(kBuckets)) {
        ring_[static_cast<std::size_t>(bucket) % kBuckets].push_back(e);
      } else {
        far_[kept++] = e;
      }
    }
    far_.resize(kept);
  }

  /// Nothing within the ring: skip the idle stretch to the earliest far event.
  void jump_to_far() {
    std::int64_t earliest = far_.front().time;
    for (const EventKey& e : far_) earliest = e.time < earliest ? e.time : earliest;
    base_ = (earliest >> kBucketShift) / static_cast<std::int64_t>(kBuckets) * static_cast<std::int64_t>(kBuckets);
    horizon_ = base_ << kBucketShift;
    pull_far();
  }

  [[nodiscard]] bool ring_empty() const {
    for (const auto& b : ring_) {
      if (!b.empty()) return false;
    }
    return true;
  }

  std::vector<EventKey> run_;                         ///< the current bucket, sorted; run_[pos_] is next
  std::size_t pos_ = 0;
  EventHeap heap_;                                    ///< pushed since the run was sorted, before horizon_
  std::array<std::vector<EventKey>, kBuckets> ring_;  ///< bucket i % kBuckets holds times in bucket i
  std::vector<EventKey> far_;                         ///< beyond the ring
  BucketSort sort_;
  std::int64_t base_ = 0;                             ///< bucket index at the horizon
  std::int64_t horizon_ = 0;                          ///< base_ << kBucketShift
  std::size_t size_ = 0;
};

}  // namespace p2pgrid
