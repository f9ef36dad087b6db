// Every CAN message: round trip, every truncation rejected with
// DecodeError, trailing bytes rejected, wrong dimension count, unknown
// type, misaligned zone and oversized counts.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/overlay/can/messages.hpp"
#include "p2pgrid/overlay/can/probe_node.hpp"

namespace p2pgrid::can {
namespace {

constexpr int kDims = 4;

Zone zone_a() { return Zone::from_bounds({1U << 31U, 0, 1U << 30U, 0}, {1, 2, 2, 0}); }
Zone zone_b() { return Zone::from_bounds({0, 3U << 30U, 0, 1U << 31U}, {3, 2, 1, 1}); }
Point point_a() { return Point{{1, 2, 3, 0xFFFFFFFFU}}; }

std::vector<std::byte> bytes_of(const auto& m) {
  BufferWriter<kMaxMessageBytes> w;
  const auto b = encode(w, kDims, m);
  return {b.begin(), b.end()};
}

void expect_rejects_every_truncation(const std::vector<std::byte>& full) {
  Message m;
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_THROW(decode(std::span(full).first(n), kDims, m), DecodeError) << "length " << n;
  }
  auto longer = full;
  longer.push_back(std::byte{0});
  EXPECT_THROW(decode(longer, kDims, m), DecodeError);
  EXPECT_THROW(decode(full, 3, m), DecodeError) << "dimension count must match";
}

TEST(CanCodec, RouteRoundTrip) {
  const std::array<std::byte, 3> payload{std::byte{9}, std::byte{8}, std::byte{7}};
  RouteMsg m{PeerId{77}, RouteKind::kJoin, 13, point_a(), payload};
  const auto b = bytes_of(m);
  Message out;
  decode(b, kDims, out);
  const auto& r = std::get<RouteMsg>(out);
  EXPECT_EQ(r.origin, PeerId{77});
  EXPECT_EQ(r.kind, RouteKind::kJoin);
  EXPECT_EQ(r.hops, 13);
  EXPECT_EQ(r.target, point_a());
  ASSERT_EQ(r.payload.size(), 3U);
  EXPECT_EQ(r.payload[2], std::byte{7});
  expect_rejects_every_truncation(b);
}

TEST(CanCodec, JoinReplyRoundTrip) {
  JoinReplyMsg m;
  m.ok = true;
  m.zone = zone_a();
  m.entries.push_back(Entry{PeerId{5}, point_a(), 1234, PeerId{8}, zone_b()});
  m.entries.push_back(Entry{PeerId{6}, Point{}, 0, PeerId::none(), zone_a()});
  const auto b = bytes_of(m);
  Message out;
  decode(b, kDims, out);
  const auto& r = std::get<JoinReplyMsg>(out);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.zone, zone_a());
  ASSERT_EQ(r.entries.size, 2U);
  EXPECT_EQ(r.entries[0], m.entries[0]);
  EXPECT_EQ(r.entries[1], m.entries[1]);
  expect_rejects_every_truncation(b);
}

TEST(CanCodec, UpdateRoundTrip) {
  UpdateMsg m;
  m.point = point_a();
  m.load = 0xDEADBEEF;
  m.correction = true;
  m.zones.push_back(zone_a());
  m.zones.push_back(zone_b());
  m.entries.push_back(Entry{PeerId{9}, point_a(), 5, PeerId{2}, zone_b()});
  const auto b = bytes_of(m);
  Message out;
  decode(b, kDims, out);
  const auto& r = std::get<UpdateMsg>(out);
  EXPECT_EQ(r.point, point_a());
  EXPECT_EQ(r.load, 0xDEADBEEF);
  EXPECT_TRUE(r.correction);
  ASSERT_EQ(r.zones.size, 2U);
  EXPECT_EQ(r.zones[1], zone_b());
  ASSERT_EQ(r.entries.size, 1U);
  EXPECT_EQ(r.entries[0], m.entries[0]);
  expect_rejects_every_truncation(b);
}

TEST(CanCodec, LeaveHandoverAndProbeReplyRoundTrip) {
  Message out;
  const auto leave = bytes_of(LeaveMsg{PeerId{42}});
  decode(leave, kDims, out);
  EXPECT_EQ(std::get<LeaveMsg>(out).heir, PeerId{42});
  expect_rejects_every_truncation(leave);

  HandoverMsg h;
  h.zones.push_back(zone_b());
  h.entries.push_back(Entry{PeerId{3}, point_a(), 17, PeerId{1}, zone_a()});
  const auto hb = bytes_of(h);
  decode(hb, kDims, out);
  EXPECT_EQ(std::get<HandoverMsg>(out).zones[0], zone_b());
  EXPECT_EQ(std::get<HandoverMsg>(out).entries[0], h.entries[0]);
  expect_rejects_every_truncation(hb);

  const auto pr = bytes_of(ProbeReplyMsg{99, PeerId{4}, 6});
  decode(pr, kDims, out);
  EXPECT_EQ(std::get<ProbeReplyMsg>(out).seq, 99U);
  EXPECT_EQ(std::get<ProbeReplyMsg>(out).result, PeerId{4});
  EXPECT_EQ(std::get<ProbeReplyMsg>(out).hops, 6);
  expect_rejects_every_truncation(pr);
}

TEST(CanCodec, ProbePayloadRoundTrip) {
  std::array<std::byte, kProbePayloadBytes> buf{};
  const auto b = encode(buf, ProbePayload{PeerId{12}, 34});
  EXPECT_EQ(decode_probe(b), (ProbePayload{PeerId{12}, 34}));
  for (std::size_t n = 0; n < b.size(); ++n) EXPECT_THROW(decode_probe(b.first(n)), DecodeError);
}

TEST(CanCodec, RejectsMisalignedZonesUnknownTypesAndHugeCounts) {
  auto b = bytes_of(LeaveMsg{PeerId{1}});
  Message out;
  b[2] = std::byte{77};  // type
  try {
    decode(b, kDims, out);
    FAIL() << "unknown type accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown CAN message type 77"), std::string::npos) << e.what();
  }
  // A zone whose lower bound is not aligned to its level.
  JoinReplyMsg j;
  j.ok = true;
  j.zone = zone_a();
  auto jb = bytes_of(j);
  jb[5 + 4] = std::byte{1};  // dim 0 lower bound (after header+dims+ok) gets a low bit... then level 1
  jb[5] = std::byte{1};
  try {
    decode(jb, kDims, out);
    FAIL() << "misaligned zone accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'zone'"), std::string::npos) << e.what();
  }
  // An update announcing more zones than the bytes could hold.
  UpdateMsg u;
  auto ub = bytes_of(u);
  const std::size_t count_at = 3 + 1 + 16 + 4 + 1;
  ub[count_at + 3] = std::byte{0x7F};
  EXPECT_THROW(decode(ub, kDims, out), DecodeError);
}


// Bounded lists of entries and zones decode through FastItemCodec; it must
// give what the declared fields() layout gives, item for item, for every d,
// and on corrupted bytes the same values or the same DecodeError text.
template <class T>
std::string decode_both_ways(std::span<const std::byte> bytes, int dims, FixedList<T, 128>& fast,
                             FixedList<T, 128>& declared) {
  const FieldContext ctx{0, dims};
  std::string fast_error;
  std::string declared_error;
  try {
    Reader r(bytes);
    FieldReader fr(r, ctx);
    fr.list("items", fast);
  } catch (const DecodeError& e) {
    fast_error = e.what();
  }
  try {
    // The declared layout one item at a time (what the list did before).
    Reader r(bytes);
    const auto n = r.u32("items");
    FieldReader fr(r, ctx);
    declared.size = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      T v{};
      fr("items", v);
      declared.push_back(v);
    }
  } catch (const DecodeError& e) {
    declared_error = e.what();
  }
  EXPECT_EQ(fast_error, declared_error);
  return fast_error;
}

TEST(CanCodec, FastItemDecodingMatchesTheDeclaredLayout) {
  Rng rng(14);
  int rejected = 0;
  int accepted = 0;
  for (int dims = 1; dims <= kMaxDims; ++dims) {
    const auto random_zone = [&] {
      std::array<std::uint32_t, kMaxDims> lo{};
      std::array<std::uint8_t, kMaxDims> level{};
      for (int d = 0; d < dims; ++d) {
        const auto i = static_cast<std::size_t>(d);
        level[i] = static_cast<std::uint8_t>(rng.below(kMaxLevel + 1));
        lo[i] = static_cast<std::uint32_t>(rng() & ~((kSpan >> level[i]) - 1));
      }
      return Zone::from_bounds(lo, level);
    };
    for (int trial = 0; trial < 300; ++trial) {
      FixedList<Entry, 128> entries;
      FixedList<Zone, 128> zones;
      const auto n = 1 + rng.below(20);
      for (std::uint64_t i = 0; i < n; ++i) {
        Entry e;
        e.peer = PeerId{static_cast<std::uint32_t>(rng())};
        for (int d = 0; d < dims; ++d) e.point.x[static_cast<std::size_t>(d)] = static_cast<std::uint32_t>(rng());
        e.age_ms = static_cast<std::uint32_t>(rng());
        e.heir = PeerId{static_cast<std::uint32_t>(rng())};
        e.zone = random_zone();
        entries.push_back(e);
        zones.push_back(random_zone());
      }
      BufferWriter<kMaxMessageBytes> we;
      BufferWriter<kMaxMessageBytes> wz;
      const FieldContext ctx{0, dims};
      FieldWriter(we, ctx).list("items", entries);
      FieldWriter(wz, ctx).list("items", zones);
      std::vector<std::byte> eb(we.bytes().begin(), we.bytes().end());
      std::vector<std::byte> zb(wz.bytes().begin(), wz.bytes().end());
      // Intact bytes decode to what was written, both ways.
      FixedList<Entry, 128> fast_e;
      FixedList<Entry, 128> declared_e;
      EXPECT_EQ(decode_both_ways(eb, dims, fast_e, declared_e), "");
      ASSERT_EQ(fast_e.size, entries.size);
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(fast_e[i], entries[i]);
      FixedList<Zone, 128> fast_z;
      FixedList<Zone, 128> declared_z;
      EXPECT_EQ(decode_both_ways(zb, dims, fast_z, declared_z), "");
      ASSERT_EQ(fast_z.size, zones.size);
      for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(fast_z[i], zones[i]);
      // Corrupt a few bytes after the count (mostly levels and bounds go bad).
      for (int k = 0; k < 3; ++k) {
        eb[4 + rng.below(eb.size() - 4)] = static_cast<std::byte>(rng());
        zb[4 + rng.below(zb.size() - 4)] = static_cast<std::byte>(rng());
      }
      for (const std::string& error : {decode_both_ways(eb, dims, fast_e, declared_e),
                                       decode_both_ways(zb, dims, fast_z, declared_z)}) {
        (error.empty() ? accepted : rejected) += 1;
      }
      if (fast_e.size == declared_e.size) {
        for (std::size_t i = 0; i < fast_e.size; ++i) EXPECT_EQ(fast_e[i], declared_e[i]);
      }
      if (fast_z.size == declared_z.size) {
        for (std::size_t i = 0; i < fast_z.size; ++i) EXPECT_EQ(fast_z[i], declared_z[i]);
      }
    }
  }
  // Both outcomes were exercised.
  EXPECT_GT(rejected, 0);
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace p2pgrid::can
