#include "p2pgrid/sim/event_queue.hpp"

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
    const EventKey e{static_cast<std::int64_t>(rng.below(50)), rng.below(1000), static_cast<std::uint32_t>(rng.below(8)), i};
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
    q.push({now + static_cast<std::int64_t>(rng.below(1000)), static_cast<std::uint64_t>(i), 0, 0});
    if (rng.below(3) != 0) {
      const EventKey e = q.pop();
      ASSERT_GE(e.time, now);
      now = e.time;
    }
  }
}

}  // namespace
}  // namespace p2pgrid
