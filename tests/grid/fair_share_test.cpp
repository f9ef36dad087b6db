// The fair queue's choice: the queued job whose user has the least decayed
// usage divided by its weight, the earliest on a tie.

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

TEST(FairShare, WeightsDivideTheUsage) {
  // User 1 has had four times user 2's run time. With equal weights user 2
  // goes first; with user 1 weighing 8 its weighted usage (4,000 / 8 = 500)
  // is below user 2's (1,000), so user 1 goes first although it arrived
  // later; with weight 4 they tie and the earlier arrival (user 2) goes.
  FairShare share(kHour);
  share.charge(1, Duration::seconds(4000), kT0);
  share.charge(2, Duration::seconds(1000), kT0);
  const std::array<std::uint32_t, 2> queue{2, 1};
  EXPECT_EQ(share.pick(queue, kT0), 0U);
  EXPECT_EQ(share.pick(queue, kT0, [](std::uint32_t u) { return u == 1 ? 8.0 : 1.0; }), 1U);
  EXPECT_EQ(share.pick(queue, kT0, [](std::uint32_t u) { return u == 1 ? 4.0 : 1.0; }), 0U) << "a tie: FIFO";
  // A light weight makes a small usage count more: user 3 ran 600 s with
  // weight 0.25 (2,400 weighted) and loses to user 2 (1,000).
  share.charge(3, Duration::seconds(600), kT0);
  const std::array<std::uint32_t, 2> light_first{3, 2};
  EXPECT_EQ(share.pick(light_first, kT0), 0U);
  EXPECT_EQ(share.pick(light_first, kT0, [](std::uint32_t u) { return u == 3 ? 0.25 : 1.0; }), 1U);
}

TEST(FairShare, WeightedSharesFollowTheWeights) {
  // Two users with endless backlogs of equal jobs on one node, weights 3
  // and 1: charging each start and always picking by weighted usage gives
  // user 1 three starts for each of user 2's.
  FairShare share(kHour);
  const auto weights = [](std::uint32_t u) { return u == 1 ? 3.0 : 1.0; };
  const std::array<std::uint32_t, 2> queue{1, 2};
  std::array<int, 3> starts{};
  Time now = kT0;
  for (int i = 0; i < 400; ++i) {
    const std::uint32_t user = queue[share.pick(queue, now, weights)];
    ++starts[user];
    share.charge(user, Duration::seconds(60), now);
    now = now + Duration::seconds(60);
  }
  EXPECT_EQ(starts[1] + starts[2], 400);
  EXPECT_NEAR(static_cast<double>(starts[1]) / starts[2], 3.0, 0.05);
}

TEST(FairShare, SetOverwritesWithTheServersFigure) {
  // fair_global: a run node's accounts take the server's global usage. Here
  // user 1 had little of this node and user 2 more, but over the grid user 1
  // had far more: the server's figures decide.
  FairShare share(kHour);
  share.charge(1, Duration::seconds(100), kT0);
  share.charge(2, Duration::seconds(500), kT0);
  const std::array<std::uint32_t, 2> queue{2, 1};
  EXPECT_EQ(share.pick(queue, kT0), 1U) << "local knowledge: user 1";
  share.set(1, 7200.0, kT0);
  share.set(2, 600.0, kT0);
  EXPECT_DOUBLE_EQ(share.usage(1, kT0), 7200.0);
  EXPECT_NEAR(share.usage(1, kT0 + kHour), 3600.0, 1e-9);
  EXPECT_EQ(share.pick(queue, kT0), 0U) << "global knowledge: user 2";
  share.set(2, 0.0, kT0);
  EXPECT_EQ(share.usage(2, kT0), 0.0);
  share.set(3, 0.0, kT0);  // a zero figure for a user never seen adds no account
  EXPECT_EQ(share.usage(3, kT0), 0.0);
}

TEST(FairShare, RejectsANonPositiveHalfLife) {
  EXPECT_THROW(FairShare(Duration{0}), std::invalid_argument);
}

}  // namespace
}  // namespace p2pgrid::grid
