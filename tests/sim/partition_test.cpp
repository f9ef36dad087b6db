#include "p2pgrid/sim/partition.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace p2pgrid {
namespace {

TEST(Partition, BlockGivesContiguousBalancedRanges) {
  for (const std::uint32_t peers : {4U, 10U, 1001U}) {
    for (const int ranks : {1, 2, 3, 4}) {
      const auto part = make_partition("block", peers, ranks);
      std::vector<std::uint32_t> count(static_cast<std::size_t>(ranks));
      int last = 0;
      for (std::uint32_t p = 0; p < peers; ++p) {
        const int r = part->rank_of(PeerId{p});
        ASSERT_GE(r, last);  // contiguous, increasing
        ASSERT_LT(r, ranks);
        last = r;
        ++count[static_cast<std::size_t>(r)];
      }
      for (const auto c : count) EXPECT_LE(c - peers / static_cast<std::uint32_t>(ranks), 1U);
    }
  }
}

TEST(Partition, RoundRobinDealsIdsInTurn) {
  const auto part = make_partition("round_robin", 10, 3);
  EXPECT_EQ(part->rank_of(PeerId{0}), 0);
  EXPECT_EQ(part->rank_of(PeerId{4}), 1);
  EXPECT_EQ(part->rank_of(PeerId{8}), 2);
}

TEST(Partition, RingGivesContiguousArcsOfTheRing) {
  constexpr std::uint32_t kPeers = 20000;
  const auto part = make_partition("ring", kPeers, 4, 7);
  std::vector<std::uint32_t> count(4);
  for (std::uint32_t p = 0; p < kPeers; ++p) {
    const int r = part->rank_of(PeerId{p});
    ASSERT_GE(r, 0);
    ASSERT_LT(r, 4);
    // The rank is the quarter of the ring the peer's id falls in.
    EXPECT_EQ(static_cast<std::uint64_t>(r), ring_id_of(PeerId{p}, 7) >> 62U);
    ++count[static_cast<std::size_t>(r)];
  }
  for (const auto c : count) EXPECT_NEAR(c, kPeers / 4, 300);  // balanced within ~4 sigma
}

TEST(Partition, RejectsBadArguments) {
  EXPECT_THROW(make_partition("block", 1, 2), std::invalid_argument);
  EXPECT_THROW(make_partition("metis", 10, 2), std::invalid_argument);
  EXPECT_THROW(make_partition("block", 10, 0), std::invalid_argument);
}

}  // namespace
}  // namespace p2pgrid
