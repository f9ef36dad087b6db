// BucketSort against std::sort by EventKey::before, below, between and
// above the sizes where it uses radix passes, with times spread over the whole
// window or crowded onto a few values (long runs of equal times, ordered by
// sender and sequence number).

#include "p2pgrid/sim/bucket_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/sim/event_queue.hpp"

namespace p2pgrid {
namespace {

constexpr unsigned kBits = EventQueue::kBucketShift;
constexpr std::int64_t kStart = std::int64_t{7} << kBits;

std::vector<EventKey> keys(Rng& rng, std::size_t n, std::uint64_t distinct_times) {
  std::vector<EventKey> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t t = distinct_times == 0 ? rng.below(std::uint64_t{1} << kBits)
                                                : rng.below(distinct_times) * ((std::uint64_t{1} << kBits) / distinct_times);
    // Distinct sequence numbers in no particular order (an odd multiplier
    // permutes 32-bit values), so the order is total and every field can
    // be compared.
    const std::uint64_t seq = (i * 2654435761ULL) & 0xFFFFFFFFULL;
    out.push_back(EventKey{kStart + static_cast<std::int64_t>(t), seq, static_cast<std::uint32_t>(rng.below(64)),
                           static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(rng.below(1000))});
  }
  return out;
}

TEST(BucketSort, OrdersLikeTheComparisonSort) {
  Rng rng(11);
  BucketSort sort;
  for (const std::size_t n : {0UL, 1UL, 700UL, 1023UL, 1024UL, 5000UL, 60000UL, 600000UL}) {
    for (const std::uint64_t distinct : {0UL, 3UL, 1000UL}) {
      SCOPED_TRACE(testing::Message() << n << " keys, " << distinct << " distinct times");
      std::vector<EventKey> got = keys(rng, n, distinct);
      std::vector<EventKey> want = got;
      std::sort(want.begin(), want.end(), [](const EventKey& a, const EventKey& b) { return a.before(b); });
      sort(got, kStart, kBits);
      ASSERT_EQ(got.size(), want.size());
      for (std::size_t i = 0; i < n; ++i) {
        ASSERT_EQ(got[i].time, want[i].time) << i;
        ASSERT_EQ(got[i].src, want[i].src) << i;
        ASSERT_EQ(got[i].seq, want[i].seq) << i;
        ASSERT_EQ(got[i].slot, want[i].slot) << i;
        ASSERT_EQ(got[i].dst, want[i].dst) << i;
      }
    }
  }
}

TEST(BucketSort, RefusesAKeyOutsideTheWindow) {
  Rng rng(12);
  BucketSort sort;
  std::vector<EventKey> k = keys(rng, 2000, 0);
  k[1500].time = kStart + (std::int64_t{1} << kBits);
  EXPECT_THROW(sort(k, kStart, kBits), std::logic_error);
  k[1500].time = kStart - 1;
  EXPECT_THROW(sort(k, kStart, kBits), std::logic_error);
  EXPECT_THROW(sort(k, kStart, BucketSort::kMaxBits + 1), std::invalid_argument);
}

}  // namespace
}  // namespace p2pgrid
