#include "p2pgrid/sim/bucket_sort.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace p2pgrid {
namespace {

// Below this many keys, counting passes over 2 x 8,192 counters cost more
// than the comparisons they save.
constexpr std::size_t kRadixFrom = 1024;
// Above this many (a start-up burst: every peer's first timers in one
// bucket, over a million keys at 1,000,000 grid peers), the working copy
// would add 32 bytes a key to the run's peak memory. Such a bucket is
// sorted in place; a steady state's 33.6 ms buckets hold far fewer (events
// per simulated second x 33.6 ms: about 28,000 keys at 100,000 CAN peers,
// 36,000 at 1,000,000 grid peers).
constexpr std::size_t kRadixUpTo = std::size_t{1} << 19;

bool before(const EventKey& a, const EventKey& b) { return a.before(b); }

}  // namespace

void BucketSort::operator()(std::vector<EventKey>& keys, std::int64_t start, unsigned bits) {
  if (bits > kMaxBits) throw std::invalid_argument("BucketSort: a window of more than 2^26 ns");
  const std::size_t n = keys.size();
  if (n < kRadixFrom || n > kRadixUpTo) {
    std::sort(keys.begin(), keys.end(), before);
    return;
  }
  constexpr std::uint64_t kMask = kDigits - 1;
  const auto offset = [start](const EventKey& k) { return static_cast<std::uint64_t>(k.time - start); };
  low_.fill(0);
  high_.fill(0);
  for (const EventKey& k : keys) {
    const std::uint64_t o = offset(k);
    if (o >> bits != 0) throw std::logic_error("BucketSort: an event outside its bucket's window");
    ++low_[o & kMask];
    ++high_[o >> kDigitBits];
  }
  std::uint32_t sum_low = 0;
  std::uint32_t sum_high = 0;
  for (std::size_t d = 0; d < kDigits; ++d) {
    sum_low += std::exchange(low_[d], sum_low);
    sum_high += std::exchange(high_[d], sum_high);
  }
  scratch_.resize(n);
  for (const EventKey& k : keys) scratch_[low_[offset(k) & kMask]++] = k;
  for (const EventKey& k : scratch_) keys[high_[offset(k) >> kDigitBits]++] = k;
  scratch_.clear();
  // Equal times are in push order; their order is (src, seq).
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && keys[j].time == keys[i].time) ++j;
    if (j - i > 1) {
      std::sort(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(j), before);
    }
    i = j;
  }
}

void BucketSort::trim(std::size_t keys) {
  if (scratch_.capacity() > keys) std::vector<EventKey>().swap(scratch_);
}

}  // namespace p2pgrid
