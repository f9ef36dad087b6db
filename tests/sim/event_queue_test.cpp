#include "p2pgrid/sim/event_queue.hpp"

#include <queue>

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid {
namespace {

TEST(EventQueue, PopsInTimeSenderSeqOrderLikeASort) {
  Rng rng(5);
  std::vector<EventKey> all;
  EventQueue q;
  for (std::uint32_t i = 0; i < 20000; ++i) {
    // Few distinct times and senders, so ties are common.
    const EventKey e{static_cast<std::int64_t>(rng.below(50)), rng.below(1000), static_cast<std::uint32_t>(rng.below(8)), i, 0};
    all.push_back(e);
    q.push(e);
  }
  std::sort(all.begin(), all.end(), [](const EventKey& a, const EventKey& b) { return a.before(b); });
  for (const EventKey& expected : all) {
    ASSERT_FALSE(q.empty());
    const EventKey got = q.pop();
    ASSERT_EQ(got.time, expected.time);
    ASSERT_EQ(got.src, expected.src);
    ASSERT_EQ(got.seq, expected.seq);
  }
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.next_time(), Time::never());
}

TEST(EventQueue, InterleavedPushPopKeepsTheMinimumOnTop) {
  Rng rng(8);
  EventQueue q;
  std::int64_t now = 0;
  for (int i = 0; i < 50000; ++i) {
    q.push({now + static_cast<std::int64_t>(rng.below(1000)), static_cast<std::uint64_t>(i), 0, 0, 0});
    if (rng.below(3) != 0) {
      const EventKey e = q.pop();
      ASSERT_GE(e.time, now);
      now = e.time;
    }
  }
}

// second() is a prefetch hint, but a wrong one would waste the prefetch:
// whenever it answers, it names the event that pop() returns after top().
TEST(EventQueue, SecondIsTheEventAfterTop) {
  Rng rng(13);
  EventQueue q;
  std::int64_t now = 0;
  int answered = 0;
  for (int i = 0; i < 50000; ++i) {
    q.push({now + static_cast<std::int64_t>(rng.below(200'000'000)), static_cast<std::uint64_t>(i),
            static_cast<std::uint32_t>(rng.below(4)), 0, static_cast<std::uint32_t>(i)});
    if (rng.below(2) != 0 && q.size() >= 2) {
      (void)q.top();
      const EventKey* second = q.second();
      const std::uint32_t expected = second != nullptr ? second->dst : 0;
      now = q.pop().time;
      if (second == nullptr) continue;
      ASSERT_EQ(q.top().dst, expected);
      ++answered;
    }
  }
  EXPECT_GT(answered, 10000);  // the hint is there most of the time, not vacuous
}

// The bucketed queue against a plain priority queue, over times that span
// the heap, the ring (68 s) and the far list, with idle gaps to jump.
TEST(EventQueue, BucketedQueueMatchesAReferenceOverLongSpans) {
  const auto later = [](const EventKey& a, const EventKey& b) { return b.before(a); };
  std::priority_queue<EventKey, std::vector<EventKey>, decltype(later)> reference(later);
  EventQueue q;
  Rng rng(21);
  std::int64_t now = 0;
  std::uint64_t seq = 0;
  for (int round = 0; round < 200000; ++round) {
    const auto r = rng.below(100);
    if (r < 55 || reference.empty()) {
      // Mostly near, some tens of seconds out (timers), a few far beyond the ring.
      std::int64_t delay = static_cast<std::int64_t>(rng.below(100'000'000));
      if (r < 15) delay = static_cast<std::int64_t>(rng.below(60'000'000'000));
      if (r < 2) delay = static_cast<std::int64_t>(rng.below(600'000'000'000));
      const EventKey e{now + delay, seq++, static_cast<std::uint32_t>(rng.below(16)), 0, 0};
      q.push(e);
      reference.push(e);
    } else {
      ASSERT_EQ(q.next_time().ns, reference.top().time);
      const EventKey got = q.pop();
      const EventKey want = reference.top();
      reference.pop();
      ASSERT_EQ(got.time, want.time);
      ASSERT_EQ(got.src, want.src);
      ASSERT_EQ(got.seq, want.seq);
      now = got.time;
    }
    ASSERT_EQ(q.size(), reference.size());
  }
  while (!reference.empty()) {
    ASSERT_EQ(q.pop().seq, reference.top().seq);
    reference.pop();
  }
  EXPECT_TRUE(q.empty());
}

// A burst (every peer's timers in one bucket, as at an oracle start) must
// not leave its capacity behind in the ring once it has drained.
TEST(EventQueue, DrainedBurstGivesBackItsBucketCapacity) {
  EventQueue q;
  const std::int64_t burst_time = Duration::seconds(10).ns;
  for (std::uint32_t i = 0; i < 100000; ++i) q.push({burst_time, i, i, 0, 0});
  EXPECT_GE(q.ring_capacity(), 100000U);
  while (!q.empty()) q.pop();
  q.push({burst_time + 1, 0, 0, 0, 0});
  EXPECT_LT(q.ring_capacity(), 1000U);
  // Nor in the sorted run it was popped from, which is the next bucket's storage.
  EXPECT_LT(q.heap_bytes(), 1000 * sizeof(EventKey));
}

TEST(EventQueue, JumpsOverLongIdleGaps) {
  EventQueue q;
  q.push({5, 0, 0, 0, 0});
  q.push({Duration::seconds(3600).ns, 1, 0, 0, 0});  // an hour later, far beyond the ring
  q.push({Duration::seconds(7200).ns + 1, 2, 0, 0, 0});
  EXPECT_EQ(q.pop().seq, 0U);
  EXPECT_EQ(q.next_time(), Time{Duration::seconds(3600).ns});
  q.push({Duration::seconds(3601).ns, 3, 0, 0, 0});
  EXPECT_EQ(q.pop().seq, 1U);
  EXPECT_EQ(q.pop().seq, 3U);
  EXPECT_EQ(q.pop().seq, 2U);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace p2pgrid
