// The neighbour table against a plain list model: grouping of zones per
// neighbour under upserts and erasures, and the greedy next hop against
// a brute-force scan.

#include "p2pgrid/overlay/can/neighbour_table.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <vector>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::can {
namespace {

Zone random_zone(Rng& rng) {
  std::array<std::uint32_t, kMaxDims> lo{};
  std::array<std::uint8_t, kMaxDims> level{};
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    level[d] = static_cast<std::uint8_t>(rng.below(6));
    lo[d] = static_cast<std::uint32_t>(rng.below(std::uint64_t{1} << level[d]) << (32 - level[d]));
  }
  return Zone::from_bounds(lo, level);
}

TEST(CanNeighbourTable, KeepsEachNeighboursZonesThroughEdits) {
  Rng rng(42);
  NeighbourTable t;
  std::map<std::uint32_t, std::vector<Zone>> model;
  for (int step = 0; step < 2000; ++step) {
    const auto id = static_cast<std::uint32_t>(rng.below(30));
    if (rng.chance(0.3)) {
      t.erase(PeerId{id});
      model.erase(id);
    } else {
      std::vector<Zone> zs(1 + rng.below(3));
      for (auto& z : zs) z = random_zone(rng);
      t.upsert(PeerId{id}, Point{}, id * 7, Time{step}, zs);
      model[id] = zs;
    }
    ASSERT_EQ(t.size(), model.size());
    // The search finds present ids and only those, at every table size
    // (ids below, between and above the table's).
    for (std::uint32_t probe = 0; probe <= 31; ++probe) {
      const Neighbour* n = t.find(PeerId{probe});
      ASSERT_EQ(n != nullptr, model.contains(probe)) << "step " << step << " id " << probe;
      if (n != nullptr) {
        ASSERT_EQ(n->id, PeerId{probe});
      }
    }
    // with_zones visits the model's neighbours in id order with their zones.
    auto it = model.begin();
    for (const auto [n, zones] : t.with_zones()) {
      ASSERT_NE(it, model.end());
      ASSERT_EQ(n.id, PeerId{it->first});
      ASSERT_EQ(std::vector<Zone>(zones.begin(), zones.end()), it->second) << "step " << step;
      ++it;
    }
    ASSERT_EQ(it, model.end());
  }
  std::size_t total = 0;
  for (const auto& [id, zs] : model) {
    const auto got = t.zones_of(PeerId{id});
    ASSERT_EQ(got.size(), zs.size());
    for (std::size_t i = 0; i < zs.size(); ++i) EXPECT_EQ(got[i], zs[i]);
    EXPECT_EQ(t.find(PeerId{id})->load, id * 7);
    total += zs.size();
  }
  EXPECT_EQ(t.all_zones().size(), total);
  EXPECT_TRUE(t.zones_of(PeerId{999}).empty());
}

TEST(CanNeighbourTable, NextHopIsTheNearestLiveZoneWithLowestIdOnTies) {
  Rng rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    NeighbourTable t;
    std::vector<std::pair<std::uint32_t, Zone>> flat;
    std::map<std::uint32_t, Time> heard;
    for (std::uint32_t id = 0; id < 12; ++id) {
      if (rng.chance(0.3)) continue;
      const Zone z = random_zone(rng);
      const Time h{static_cast<std::int64_t>(rng.below(100))};
      t.upsert(PeerId{id}, Point{}, 0, h, std::span<const Zone>(&z, 1));
      flat.emplace_back(id, z);
      heard[id] = h;
    }
    Point target;
    for (auto& x : target.x) x = static_cast<std::uint32_t>(rng());
    const Time since{50};
    std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
    PeerId expected = PeerId::none();
    for (const auto& [id, z] : flat) {
      if (heard[id] < since) continue;
      std::uint64_t d = 0;  // L1 distance computed independently
      for (int k = 0; k < kMaxDims; ++k) {
        const std::uint64_t c = target.x[static_cast<std::size_t>(k)];
        if (c < z.lo(k)) d += z.lo(k) - c;
        if (c >= z.hi(k)) d += c - z.hi(k) + 1;
      }
      if (d < best || (d == best && PeerId{id} < expected)) {
        best = d;
        expected = PeerId{id};
      }
    }
    EXPECT_EQ(t.next_hop(target, since), expected);
  }
}

TEST(CanNeighbourTable, DropCoveredRemovesOnlySilentNeighboursZones) {
  NeighbourTable t;
  const Zone all;
  const auto [a, b] = all.split(2);
  t.upsert(PeerId{1}, Point{}, 0, Time{10}, std::span<const Zone>(&a, 1));
  t.upsert(PeerId{2}, Point{}, 0, Time{100}, std::span<const Zone>(&b, 1));
  t.drop_covered(all, PeerId{3}, Time{50});
  EXPECT_EQ(t.find(PeerId{1}), nullptr);
  ASSERT_NE(t.find(PeerId{2}), nullptr);
}

}  // namespace
}  // namespace p2pgrid::can
