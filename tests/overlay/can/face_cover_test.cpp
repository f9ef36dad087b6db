// Face coverage: the counting shortcut (face_covered) against the halving
// search (find_uncovered) on random CAN tilings, complete, with holes, and
// with stale overlapping zones.

#include "p2pgrid/overlay/can/face_cover.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::can {
namespace {

// The space after `splits` CAN splits of random zones.
std::vector<Zone> tiling(Rng& rng, int dims, int splits) {
  std::vector<Zone> zones{Zone{}};
  for (int s = 0; s < splits; ++s) {
    const auto i = static_cast<std::size_t>(rng.below(zones.size()));
    if (!zones[i].splittable(dims)) continue;
    const auto [lower, upper] = zones[i].split(dims);
    zones[i] = lower;
    zones.push_back(upper);
  }
  return zones;
}

struct Face {
  Box box;
  int normal = 0;
};

// The faces of `z` inside the space, one cell thick, as check_faces builds them.
std::vector<Face> faces_of(const Zone& z, int dims) {
  std::vector<Face> out;
  for (int d = 0; d < dims; ++d) {
    const auto i = static_cast<std::size_t>(d);
    for (const bool upper : {false, true}) {
      if (upper ? z.hi(d) >= kSpan : z.lo(d) == 0) continue;
      Box face = box_of(z);
      face.lo[i] = upper ? z.hi(d) : z.lo(d) - 1;
      face.hi[i] = face.lo[i] + 1;
      out.push_back({face, d});
    }
  }
  return out;
}

bool meets(const Box& a, const Box& b) {
  for (std::size_t i = 0; i < kMaxDims; ++i) {
    if (a.lo[i] >= b.hi[i] || b.lo[i] >= a.hi[i]) return false;
  }
  return true;
}

bool gap_found(const Face& f, std::vector<Box> boxes, int dims, Point& gap) {
  int budget = 1 << 22;
  return find_uncovered(f.box, boxes, dims, f.normal, 200, gap, budget);
}

TEST(CanFaceCover, AgreesWithTheHalvingSearchOnRandomTilings) {
  int shortcut_used = 0;
  int holes = 0;
  for (const int dims : {2, 3, 4}) {
    for (std::uint32_t trial = 0; trial < 20; ++trial) {
      Rng rng(11, PeerId{trial}, Purpose::kProtocol);
      const auto zones = tiling(rng, dims, 40);
      std::vector<Box> all;
      for (const Zone& z : zones) all.push_back(box_of(z));
      for (std::size_t mine = 0; mine < zones.size(); mine += 3) {
        for (const Face& f : faces_of(zones[mine], dims)) {
          Point gap;
          // Complete: covered, and the shortcut sees it.
          ASSERT_FALSE(gap_found(f, all, dims, gap));
          ASSERT_TRUE(face_covered(f.box, all)) << "a complete tiling must be counted as covering";
          ++shortcut_used;
          for (std::size_t k = 0; k < all.size(); ++k) {
            if (k == mine || !meets(all[k], f.box)) continue;
            // A hole where zone k was: never "covered", and the search finds it there.
            std::vector<Box> holed = all;
            holed.erase(holed.begin() + static_cast<std::ptrdiff_t>(k));
            ASSERT_FALSE(face_covered(f.box, holed));
            ASSERT_TRUE(gap_found(f, holed, dims, gap));
            ASSERT_TRUE(zones[k].contains(gap));
            // A stale copy of another part of the face fills the count but
            // not the hole: still never "covered".
            for (std::size_t j = 0; j < holed.size(); ++j) {
              if (!meets(holed[j], f.box)) continue;
              std::vector<Box> stale = holed;
              stale.push_back(holed[j]);
              ASSERT_FALSE(face_covered(f.box, stale));
            }
            ++holes;
          }
        }
      }
    }
  }
  EXPECT_GT(shortcut_used, 100);
  EXPECT_GT(holes, 100);
}

TEST(CanFaceCover, OneCoveringZoneIsEnoughEvenAmongOverlaps) {
  const Zone all;
  const auto [lower, upper] = all.split(2);
  const Face f = faces_of(lower, 2).front();
  const std::vector<Box> boxes{box_of(upper), box_of(all), box_of(lower)};
  EXPECT_TRUE(face_covered(f.box, boxes));
  EXPECT_FALSE(face_covered(f.box, std::vector<Box>{box_of(lower)}));
}

}  // namespace
}  // namespace p2pgrid::can
