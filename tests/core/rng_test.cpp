#include "p2pgrid/core/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

namespace p2pgrid {
namespace {

TEST(Rng, SameSeedPeerPurposeGivesSameStream) {
  Rng a(42, PeerId{7}, Purpose::kProtocol);
  Rng b(42, PeerId{7}, Purpose::kProtocol);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a(), b());
}

TEST(Rng, StreamsDifferBySeedPeerAndPurpose) {
  std::set<std::uint64_t> firsts;
  for (std::uint64_t seed : {1, 2})
    for (std::uint32_t peer : {0U, 1U, 1000U})
      for (Purpose p : {Purpose::kProtocol, Purpose::kWorkload, Purpose::kChurn}) {
        Rng r(seed, PeerId{peer}, p);
        firsts.insert(r());
      }
  EXPECT_EQ(firsts.size(), 2U * 3U * 3U);
}

TEST(Rng, BelowIsUniformAndInRange) {
  Rng r(1, PeerId{0}, Purpose::kProtocol);
  constexpr std::uint64_t kBins = 10;
  constexpr int kDraws = 100000;
  std::vector<int> count(kBins);
  for (int i = 0; i < kDraws; ++i) {
    const auto v = r.below(kBins);
    ASSERT_LT(v, kBins);
    ++count[v];
  }
  // Chi-square with 9 degrees of freedom: 27.9 is the 0.999 quantile.
  double chi2 = 0;
  for (int c : count) chi2 += std::pow(c - kDraws / 10.0, 2) / (kDraws / 10.0);
  EXPECT_LT(chi2, 27.9);
}

TEST(Rng, ExponentialHasTheRequestedMean) {
  Rng r(3, PeerId{5}, Purpose::kWorkload);
  double sum = 0;
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) sum += r.exponential(2.0);
  // Standard error of the mean: 2/sqrt(200000) = 0.0045; allow 5 sigma.
  EXPECT_NEAR(sum / kDraws, 2.0, 0.0225);
}

TEST(Rng, Uniform01StaysInHalfOpenUnitInterval) {
  Rng r(9, PeerId{1}, Purpose::kNetwork);
  for (int i = 0; i < 100000; ++i) {
    const double u = r.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace p2pgrid
