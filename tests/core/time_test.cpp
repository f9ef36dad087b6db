#include "p2pgrid/core/time.hpp"

#include <gtest/gtest.h>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid {
namespace {

TEST(Time, ArithmeticIsExactInteger) {
  const Time t = Time::zero() + Duration::seconds(3) + Duration::milliseconds(250);
  EXPECT_EQ(t.ns, 3'250'000'000);
  EXPECT_EQ((t - Time{1'000'000'000}).ns, 2'250'000'000);
  EXPECT_LT(Time{1}, Time::never());
  EXPECT_EQ(Duration::seconds(1) * 3, Duration::milliseconds(3000));
}

TEST(Ids, RingIdsAreStableAndSpread) {
  EXPECT_EQ(ring_id_of(PeerId{5}, 1), ring_id_of(PeerId{5}, 1));
  EXPECT_NE(ring_id_of(PeerId{5}, 1), ring_id_of(PeerId{5}, 2));
  EXPECT_NE(ring_id_of(PeerId{5}, 1), ring_id_of(PeerId{6}, 1));
  // The top bit should be set for about half of the ids.
  int high = 0;
  for (std::uint32_t p = 0; p < 10000; ++p) high += static_cast<int>(ring_id_of(PeerId{p}) >> 63U);
  EXPECT_NEAR(high, 5000, 300);
}

}  // namespace
}  // namespace p2pgrid
