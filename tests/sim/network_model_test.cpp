#include "p2pgrid/sim/network_model.hpp"

#include <gtest/gtest.h>

namespace p2pgrid {
namespace {

NetworkParams params() {
  NetworkParams p;
  p.min_latency = Duration::milliseconds(10);
  p.max_latency = Duration::milliseconds(100);
  p.bandwidth_bytes_per_s = 1e6;
  return p;
}

TEST(NetworkModel, LatencyStaysWithinBoundsAndIsSymmetric) {
  const NetworkModel net(params(), 3);
  Duration lo = Duration::max(), hi{0};
  for (std::uint32_t a = 0; a < 200; ++a) {
    for (std::uint32_t b = 0; b < 200; b += 7) {
      const Duration d = net.delay(PeerId{a}, PeerId{b}, 0);
      ASSERT_GE(d, Duration::milliseconds(10));
      ASSERT_LE(d, Duration::milliseconds(100));
      ASSERT_EQ(d, net.delay(PeerId{b}, PeerId{a}, 0));
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
  }
  EXPECT_EQ(net.delay(PeerId{4}, PeerId{4}, 0), Duration::milliseconds(10));
  EXPECT_GT(hi - lo, Duration::milliseconds(50));  // coordinates really spread the latencies
}

TEST(NetworkModel, SizeAddsTransferTime) {
  const NetworkModel net(params(), 3);
  // 1,000 bytes at 1e6 bytes/s: 1 ms more.
  EXPECT_EQ(net.delay(PeerId{1}, PeerId{2}, 1000) - net.delay(PeerId{1}, PeerId{2}, 0), Duration::milliseconds(1));
}

TEST(NetworkModel, LossMatchesItsProbabilityAndIsAFunctionOfTheMessage) {
  NetworkParams p = params();
  p.loss = 0.2;
  const NetworkModel net(p, 11);
  int lost = 0;
  constexpr int kMessages = 50000;
  for (int i = 0; i < kMessages; ++i) {
    const Delivery d = net.fate(PeerId{static_cast<std::uint32_t>(i % 97)}, static_cast<std::uint64_t>(i), PeerId{1}, Time{0});
    lost += d == Delivery::kLost ? 1 : 0;
    ASSERT_EQ(d, net.fate(PeerId{static_cast<std::uint32_t>(i % 97)}, static_cast<std::uint64_t>(i), PeerId{1}, Time{0}));
  }
  EXPECT_NEAR(static_cast<double>(lost) / kMessages, 0.2, 0.01);
}

TEST(NetworkModel, PartitionBlocksOnlyAcrossTheSplitAndOnlyWhileActive) {
  NetworkParams p = params();
  p.partitions.push_back({Time{100}, Time{200}, 0.5});
  const NetworkModel net(p, 1);
  PeerId left, right;
  for (std::uint32_t i = 0; i < 100; ++i) (net.x(PeerId{i}) < 0.5 ? left : right) = PeerId{i};
  ASSERT_TRUE(left.valid() && right.valid());
  EXPECT_EQ(net.fate(left, 0, right, Time{150}), Delivery::kPartitioned);
  EXPECT_EQ(net.fate(right, 0, left, Time{150}), Delivery::kPartitioned);
  EXPECT_EQ(net.fate(left, 0, left, Time{150}), Delivery::kDelivered);
  EXPECT_EQ(net.fate(left, 0, right, Time{99}), Delivery::kDelivered);
  EXPECT_EQ(net.fate(left, 0, right, Time{200}), Delivery::kDelivered);
}

TEST(NetworkModel, RejectsInconsistentParameters) {
  NetworkParams p = params();
  p.min_latency = Duration{0};
  EXPECT_THROW(NetworkModel(p, 1), std::invalid_argument);
  p = params();
  p.max_latency = Duration::milliseconds(1);
  EXPECT_THROW(NetworkModel(p, 1), std::invalid_argument);
  p = params();
  p.loss = 1.0;
  EXPECT_THROW(NetworkModel(p, 1), std::invalid_argument);
}

}  // namespace
}  // namespace p2pgrid
