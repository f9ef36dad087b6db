// Ring arithmetic, finger table and successor list: pure classes, no engine.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/chord/finger_table.hpp"
#include "p2pgrid/overlay/chord/ring.hpp"
#include "p2pgrid/overlay/chord/successor_list.hpp"

namespace p2pgrid::chord {
namespace {

constexpr RingId kTop = ~RingId{0};

TEST(Ring, OpenIntervalWrapsAndExcludesEnds) {
  EXPECT_TRUE(in_open(5, 3, 9));
  EXPECT_FALSE(in_open(3, 3, 9));
  EXPECT_FALSE(in_open(9, 3, 9));
  EXPECT_FALSE(in_open(10, 3, 9));
  // Wrapping: (top - 1, 2) holds top, 0, 1.
  EXPECT_TRUE(in_open(kTop, kTop - 1, 2));
  EXPECT_TRUE(in_open(0, kTop - 1, 2));
  EXPECT_TRUE(in_open(1, kTop - 1, 2));
  EXPECT_FALSE(in_open(2, kTop - 1, 2));
  EXPECT_FALSE(in_open(5, kTop - 1, 2));
  // (a, a) is everything but a.
  EXPECT_TRUE(in_open(0, 7, 7));
  EXPECT_FALSE(in_open(7, 7, 7));
}

TEST(Ring, HalfOpenIntervalIncludesRightEnd) {
  EXPECT_TRUE(in_half_open(9, 3, 9));
  EXPECT_FALSE(in_half_open(3, 3, 9));
  EXPECT_TRUE(in_half_open(2, kTop - 1, 2));
  EXPECT_FALSE(in_half_open(kTop - 1, kTop - 1, 2));
  // A ring of one owns every key: (a, a] is the whole circle.
  EXPECT_TRUE(in_half_open(7, 7, 7));
  EXPECT_TRUE(in_half_open(0, 7, 7));
}

TEST(Ring, IntervalsAgreeWithBruteForceAcrossTheWrap) {
  // 16 consecutive positions that straddle 2^64 -> 0. Restricted to them,
  // clockwise membership is that of a 16-position circle, enumerated here
  // step by step.
  constexpr RingId kBase = kTop - 7;
  for (RingId a = 0; a < 16; ++a) {
    for (RingId b = 0; b < 16; ++b) {
      std::vector<bool> open(16, false);
      if (a == b) {
        for (RingId x = 0; x < 16; ++x) open[x] = x != a;
      } else {
        for (RingId x = (a + 1) % 16; x != b; x = (x + 1) % 16) open[x] = true;
      }
      for (RingId x = 0; x < 16; ++x) {
        EXPECT_EQ(in_open(kBase + x, kBase + a, kBase + b), open[x]) << a << " " << b << " " << x;
        EXPECT_EQ(in_half_open(kBase + x, kBase + a, kBase + b), open[x] || x == b) << a << " " << b << " " << x;
      }
    }
  }
}

TEST(Ring, FingerStartsAndHighestFingerBefore) {
  EXPECT_EQ(finger_start(10, 0), 11U);
  EXPECT_EQ(finger_start(10, 3), 18U);
  EXPECT_EQ(finger_start(kTop, 0), 0U);  // wraps
  // id 0, key 10: starts 1, 2, 4, 8 precede 10.
  EXPECT_EQ(highest_finger_before(0, 10), 3);
  EXPECT_EQ(highest_finger_before(0, 9), 3);
  EXPECT_EQ(highest_finger_before(0, 8), 2);
  EXPECT_EQ(highest_finger_before(0, 2), 0);
  EXPECT_EQ(highest_finger_before(0, 1), -1);
  EXPECT_EQ(highest_finger_before(5, 5), 63);
  // Brute force: the largest i with 2^i < distance.
  for (RingId d = 2; d < 5000; d += 7) {
    int best = -1;
    for (int i = 0; i < 64; ++i) {
      if ((RingId{1} << i) < d) best = i;
    }
    EXPECT_EQ(highest_finger_before(100, 100 + d), best) << d;
  }
}

/// Peers with known ring ids for the finger-table tests: search a few peer
/// ids for the ones whose hash lands where the example needs them.
struct Placed {
  PeerId peer;
  RingId id;
};

std::vector<Placed> sorted_peers(std::uint32_t n, std::uint64_t salt) {
  std::vector<Placed> v;
  for (std::uint32_t p = 0; p < n; ++p) v.push_back({PeerId{p}, ring_id_of(PeerId{p}, salt)});
  std::sort(v.begin(), v.end(), [](const Placed& a, const Placed& b) { return a.id < b.id; });
  return v;
}

TEST(FingerTable, ClosestPrecedingMatchesBruteForce) {
  // A table of 64 random entries: the answer must be the entry in (self,
  // limit) farthest from self, found by scanning every entry.
  constexpr std::uint64_t kSalt = 3;
  const auto peers = sorted_peers(500, kSalt);
  Rng rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const Placed self = peers[rng.below(peers.size())];
    FingerTable table;
    table.clear();
    // Correct fingers of a 500-peer ring, some removed (dead).
    for (unsigned i = 0; i < FingerTable::kSize; ++i) {
      const RingId start = finger_start(self.id, i);
      auto it = std::lower_bound(peers.begin(), peers.end(), start, [](const Placed& a, RingId k) { return a.id < k; });
      if (it == peers.end()) it = peers.begin();
      if (!rng.chance(0.2)) table.set(i, it->peer);
    }
    const RingId limit = rng();
    PeerId expect = PeerId::none();
    std::uint64_t best = 0;
    for (const PeerId f : table.entries()) {
      if (!f.valid()) continue;
      const RingId fid = ring_id_of(f, kSalt);
      if (in_open(fid, self.id, limit) && distance(self.id, fid) > best) {
        best = distance(self.id, fid);
        expect = f;
      }
    }
    EXPECT_EQ(table.closest_preceding(self.id, limit, kSalt), expect) << "trial " << trial;
  }
}

TEST(FingerTable, RemoveForgetsEveryEntryOfAPeer) {
  FingerTable t;
  t.clear();
  t.set(0, PeerId{4});
  t.set(1, PeerId{4});
  t.set(5, PeerId{9});
  t.remove(PeerId{4});
  EXPECT_FALSE(t.at(0).valid());
  EXPECT_FALSE(t.at(1).valid());
  EXPECT_EQ(t.at(5), PeerId{9});
}

TEST(SuccessorList, AssignStopsAtSelfRepeatsAndR) {
  SuccessorList s;
  const std::vector<PeerId> tail{PeerId{12}, PeerId{3}, PeerId{7}, PeerId{9}};
  s.assign(PeerId{7}, PeerId{9}, tail, 8);
  ASSERT_EQ(s.size(), 3U);  // 9, 12, 3 then our own id ends the list
  EXPECT_EQ(s.at(0), PeerId{9});
  EXPECT_EQ(s.at(1), PeerId{12});
  EXPECT_EQ(s.at(2), PeerId{3});
  s.assign(PeerId{100}, PeerId{9}, tail, 2);
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(s.at(1), PeerId{12});
  s.assign(PeerId{100}, PeerId{9}, std::vector<PeerId>{PeerId{12}, PeerId{9}, PeerId{5}}, 8);
  EXPECT_EQ(s.size(), 2U);  // a repeat ends it
  s.assign(PeerId{7}, PeerId{7}, tail, 8);
  EXPECT_TRUE(s.empty());   // never ourselves
}

TEST(SuccessorList, PushFrontKeepsRAndDropsOldCopy) {
  SuccessorList s;
  s.assign(PeerId{0}, PeerId{1}, std::vector<PeerId>{PeerId{2}, PeerId{3}}, 3);
  s.push_front(PeerId{9}, 3);
  ASSERT_EQ(s.size(), 3U);
  EXPECT_EQ(s.at(0), PeerId{9});
  EXPECT_EQ(s.at(1), PeerId{1});
  EXPECT_EQ(s.at(2), PeerId{2});
  s.push_front(PeerId{2}, 3);
  ASSERT_EQ(s.size(), 3U);
  EXPECT_EQ(s.at(0), PeerId{2});
  EXPECT_EQ(s.at(1), PeerId{9});
  EXPECT_EQ(s.at(2), PeerId{1});
  s.remove(PeerId{9});
  ASSERT_EQ(s.size(), 2U);
  EXPECT_EQ(s.front(), PeerId{2});
  EXPECT_FALSE(s.contains(PeerId{9}));
}

}  // namespace
}  // namespace p2pgrid::chord
