#include "p2pgrid/sim/size_class.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace p2pgrid {
namespace {

TEST(SizeClass, CapacitiesAreFourPerPowerOfTwo) {
  EXPECT_EQ(size_class::capacity(4), 4U);
  EXPECT_EQ(size_class::capacity(5), 5U);
  EXPECT_EQ(size_class::capacity(7), 7U);
  EXPECT_EQ(size_class::capacity(8), 8U);
  EXPECT_EQ(size_class::capacity(9), 10U);
  EXPECT_EQ(size_class::capacity(24), 128U);
  EXPECT_EQ(size_class::capacity(25), 160U);
  EXPECT_EQ(size_class::capacity(size_class::kCount - 1), std::size_t{7} << 61U);
}

TEST(SizeClass, TheFittingClassHoldsAtMostAQuarterMore) {
  for (std::size_t n = 4; n <= (std::size_t{1} << 20U); ++n) {
    const std::size_t c = size_class::fitting(n);
    const std::size_t cap = size_class::capacity(c);
    ASSERT_GE(cap, n) << n;
    ASSERT_LE(4 * cap, 5 * n) << n;
    if (c > 4) {
      ASSERT_LT(size_class::capacity(c - 1), n) << n;  // the smallest that fits
    }
  }
}

TEST(SizeClass, BelowInvertsCapacity) {
  for (std::size_t c = 4; c + 1 < size_class::kCount; ++c) {
    const std::size_t cap = size_class::capacity(c);
    const std::size_t next = size_class::capacity(c + 1);
    ASSERT_LT(cap, next) << c;
    ASSERT_EQ(size_class::below(cap), c) << c;
    ASSERT_EQ(size_class::below(next - 1), c) << c;  // every size up to the next class
  }
  EXPECT_EQ(size_class::below(0), 0U);
  EXPECT_EQ(size_class::below(3), 0U);
  EXPECT_EQ(size_class::below(~std::size_t{0}), size_class::kCount - 1);
}

}  // namespace
}  // namespace p2pgrid
