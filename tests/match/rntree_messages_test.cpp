// RN-Tree message encoding: every type round-trips; every truncation,
// trailing byte, unknown type or oversized child count is a DecodeError.

#include <gtest/gtest.h>

#include <vector>

#include "p2pgrid/match/rntree_messages.hpp"

namespace p2pgrid::match::rntree {
namespace {

std::vector<Message> samples() {
  ExploreReply reply;
  reply.nonce = 77;
  reply.capabilities = {3000, 8192, 500};
  reply.queue = 2;
  reply.parent = PeerId{12};
  reply.count = 3;
  reply.children[0] = {PeerId{5}, 0};
  reply.children[1] = {PeerId{9}, 1};
  reply.children[2] = {PeerId{4000000000U}, 7};
  ExploreReply full;
  full.count = kMaxReplyChildren;
  for (std::uint32_t i = 0; i < kMaxReplyChildren; ++i) full.children[i] = {PeerId{i}, i * 3};
  return {Summary{{{1, 2, 3}, 40, 5}},
          SummaryAck{},
          Walk{PeerId{8}, 99, 0x1234567890ULL, 2, {100, 0, 7}, 3, 1, 1024},
          Explore{5, {2000, 1024, 0}, PeerId::none()},
          reply,
          full,
          Found{99, 42, 1, PeerId{17}, 9, 15},
          Found{1, 2, 0, PeerId::none(), 0, 1}};
}

std::vector<std::byte> bytes_of(const Message& m) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto b = encode(m, buffer);
  return {b.begin(), b.end()};
}

bool same(const Message& a, const Message& b) { return bytes_of(a) == bytes_of(b); }

TEST(RnTreeMessages, RoundTripEveryType) {
  for (const Message& m : samples()) {
    const auto b = bytes_of(m);
    const Message back = decode(b);
    EXPECT_EQ(back.index(), m.index());
    EXPECT_TRUE(same(back, m));
  }
  // Held: a pointer into the temporary samples() would dangle (ASan caught it).
  const std::vector<Message> all = samples();
  const auto* r = std::get_if<ExploreReply>(&all[4]);
  ASSERT_NE(r, nullptr);
  const Message back = decode(bytes_of(*r));
  const auto& d = std::get<ExploreReply>(back);
  ASSERT_EQ(d.count, 3U);
  EXPECT_EQ(d.children[2].peer, PeerId{4000000000U});
  EXPECT_EQ(d.children[2].min_queue, 7U);
  EXPECT_EQ(d.parent, PeerId{12});
}

TEST(RnTreeMessages, TruncatedAndTrailingBytesAreRejected) {
  for (const Message& m : samples()) {
    const auto b = bytes_of(m);
    for (std::size_t len = 0; len < b.size(); ++len) {
      EXPECT_THROW(decode(std::span<const std::byte>(b.data(), len)), DecodeError) << "length " << len;
    }
    auto longer = b;
    longer.push_back(std::byte{0});
    EXPECT_THROW(decode(longer), DecodeError);
  }
}

TEST(RnTreeMessages, BadTypeVersionAndCountAreRejected) {
  auto b = bytes_of(Summary{});
  b[2] = std::byte{200};
  EXPECT_THROW(decode(b), DecodeError);
  b = bytes_of(Summary{});
  b[1] = std::byte{99};
  EXPECT_THROW(decode(b), DecodeError);
  // An ExploreReply claiming 65 children, with the bytes to back the claim.
  ExploreReply r;
  r.count = 0;
  auto e = bytes_of(r);
  const std::size_t count_at = e.size() - 4;
  e[count_at] = std::byte{kMaxReplyChildren + 1};
  e.resize(e.size() + 8 * (kMaxReplyChildren + 1));
  try {
    decode(e);
    ADD_FAILURE() << "oversized count accepted";
  } catch (const DecodeError& err) {
    EXPECT_NE(std::string(err.what()).find("count"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace p2pgrid::match::rntree
