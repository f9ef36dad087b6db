// The fair queue's choice: the queued job whose user has the least decayed
// usage at this node, the earliest on a tie.

#include "p2pgrid/grid/fair_share.hpp"

#include <gtest/gtest.h>

#include <array>
#include <stdexcept>

namespace p2pgrid::grid {
namespace {

constexpr Duration kHour = Duration::seconds(3600);
const Time kT0{Duration::seconds(100).ns};

TEST(FairShare, PicksTheUserWithTheLeastUsage) {
  FairShare share(kHour);
  share.charge(7, Duration::seconds(600), kT0);   // the heavy user
  share.charge(3, Duration::seconds(60), kT0);    // a light user who ran one short job
  const std::array<std::uint32_t, 5> queue{7, 7, 3, 9, 7};  // user 9 never ran here
  EXPECT_EQ(share.pick(queue, kT0), 3U);
  const std::array<std::uint32_t, 3> no_newcomer{7, 3, 7};
  EXPECT_EQ(share.pick(no_newcomer, kT0), 1U);
}

TEST(FairShare, TiesGoToTheEarliestArrival) {
  FairShare share(kHour);
  const std::array<std::uint32_t, 3> strangers{5, 4, 6};
  EXPECT_EQ(share.pick(strangers, kT0), 0U) << "no usage anywhere: FIFO";
  share.charge(5, Duration::seconds(10), kT0);
  share.charge(4, Duration::seconds(10), kT0);
  const std::array<std::uint32_t, 2> equal{4, 5};
  EXPECT_EQ(share.pick(equal, kT0 + Duration::seconds(1)), 0U);
}

TEST(FairShare, UsageHalvesEveryHalfLifeAndAccumulates) {
  FairShare share(kHour);
  share.charge(1, Duration::seconds(800), kT0);
  EXPECT_DOUBLE_EQ(share.usage(1, kT0), 800.0);
  EXPECT_NEAR(share.usage(1, kT0 + kHour), 400.0, 1e-9);
  EXPECT_NEAR(share.usage(1, kT0 + kHour * 2), 200.0, 1e-9);
  share.charge(1, Duration::seconds(100), kT0 + kHour);
  EXPECT_NEAR(share.usage(1, kT0 + kHour), 500.0, 1e-9);
  EXPECT_EQ(share.usage(2, kT0), 0.0);
}

TEST(FairShare, OldUsageLosesToRecentUsage) {
  // 1,000 s two hours ago (250 s now) weigh less than 300 s just now.
  FairShare share(kHour);
  share.charge(1, Duration::seconds(1000), kT0);
  share.charge(2, Duration::seconds(300), kT0 + kHour * 2);
  const std::array<std::uint32_t, 2> queue{2, 1};
  EXPECT_EQ(share.pick(queue, kT0 + kHour * 2), 1U);
}

TEST(FairShare, RejectsANonPositiveHalfLife) {
  EXPECT_THROW(FairShare(Duration{0}), std::invalid_argument);
}

}  // namespace
}  // namespace p2pgrid::grid
