// The CAN matchmakers' codec: round trips, and every truncation, a trailing
// byte and an unknown type are DecodeErrors.

#include <gtest/gtest.h>

#include <vector>

#include "p2pgrid/match/can_match_messages.hpp"

namespace p2pgrid {
namespace {

using namespace match::canmatch;

std::vector<std::byte> bytes_of(const Message& m) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto b = encode(m, buffer);
  return {b.begin(), b.end()};
}

std::vector<Message> samples() {
  Forward f;
  f.profile.job = 0x0102030405060708ULL;
  f.profile.guid = 0xfedcba9876543210ULL;
  f.profile.client = PeerId{7};
  f.profile.attempt = 2;
  f.profile.requirements = {1500, 0, 300};
  f.profile.input_bytes = 4096;
  f.profile.run_time = Duration::seconds(200);
  f.profile.submitted = Time{123456789};
  f.owner = PeerId{42};
  f.owner_nonce = 99;
  f.hops = 5;
  f.forwards = 2;
  f.pushes = 3;
  Result r{17, 0xabcdefULL, 1, PeerId{8}, 4, 5};
  Aggregate a;
  a.lines = {{{3, 9}, {1, 0}, {0xFFFFFFFFU, 0xFFFFFFFFU}}};
  return {f, r, a, Result{1, 2, 3, PeerId::none(), 0, 1}};
}

TEST(CanMatchMessages, RoundTrip) {
  for (const Message& m : samples()) {
    const auto b = bytes_of(m);
    const Message back = decode(b);
    ASSERT_EQ(back.index(), m.index());
    if (const auto* f = std::get_if<Forward>(&m)) {
      const auto& g = std::get<Forward>(back);
      EXPECT_EQ(g.profile.job, f->profile.job);
      EXPECT_EQ(g.profile.guid, f->profile.guid);
      EXPECT_EQ(g.profile.client, f->profile.client);
      EXPECT_EQ(g.profile.attempt, f->profile.attempt);
      EXPECT_EQ(g.profile.requirements, f->profile.requirements);
      EXPECT_EQ(g.profile.input_bytes, f->profile.input_bytes);
      EXPECT_EQ(g.profile.run_time, f->profile.run_time);
      EXPECT_EQ(g.profile.submitted, f->profile.submitted);
      EXPECT_EQ(g.owner, f->owner);
      EXPECT_EQ(g.owner_nonce, f->owner_nonce);
      EXPECT_EQ(g.hops, f->hops);
      EXPECT_EQ(g.forwards, f->forwards);
      EXPECT_EQ(g.pushes, f->pushes);
      EXPECT_EQ(b.size(), kMaxMessageSize) << "the Forward is the largest message";
    } else if (const auto* r = std::get_if<Result>(&m)) {
      EXPECT_EQ(std::get<Result>(back), *r);
    } else {
      EXPECT_EQ(std::get<Aggregate>(back), std::get<Aggregate>(m));
    }
  }
}

TEST(CanMatchMessages, TruncatedTrailingAndUnknownAreRejected) {
  for (const Message& m : samples()) {
    auto b = bytes_of(m);
    for (std::size_t n = 0; n < b.size(); ++n) {
      EXPECT_THROW(decode(std::span(b).first(n)), DecodeError) << "length " << n;
    }
    b.push_back(std::byte{0});
    EXPECT_THROW(decode(b), DecodeError);
  }
  auto b = bytes_of(samples()[1]);
  b[2] = std::byte{99};
  try {
    decode(b);
    FAIL() << "unknown type accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("type"), std::string::npos) << e.what();
  }
  b = bytes_of(samples()[1]);
  b[0] = std::byte{static_cast<std::uint8_t>(ProtocolId::kGrid)};
  EXPECT_THROW(decode(b), DecodeError);
}

}  // namespace
}  // namespace p2pgrid
