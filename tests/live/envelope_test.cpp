// The live envelope: sealing and opening, every way a datagram is refused,
// the replay window, and the live layer's codec.

#include <gtest/gtest.h>

#include <cstring>

#include "p2pgrid/live/envelope.hpp"
#include "p2pgrid/live/wire.hpp"

namespace p2pgrid::live {
namespace {

Secret secret(const char* text) {
  Secret s;
  s.key.assign(text, text + std::strlen(text));
  return s;
}

std::vector<std::byte> sealed(const Secret& s, std::span<const std::byte> payload) {
  std::vector<std::byte> out;
  seal(s, Header{Channel::kProtocol, PeerId{0x7f000001}, 7400, 42, 1000}, payload, out);
  return out;
}

TEST(Envelope, RoundTrip) {
  const Secret s = secret("0123456789abcdef0123");
  const std::array payload{std::byte{4}, std::byte{2}, std::byte{9}};
  const auto d = sealed(s, payload);
  ASSERT_EQ(d.size(), kEnvelopeOverhead + payload.size());
  Drop drop{};
  const auto o = open(s, d, kMaxDatagram, drop);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->header.channel, Channel::kProtocol);
  EXPECT_EQ(o->header.sender, PeerId{0x7f000001});
  EXPECT_EQ(o->header.port, 7400);
  EXPECT_EQ(o->header.sequence, 42U);
  EXPECT_EQ(o->header.sent_ms, 1000);
  EXPECT_TRUE(std::equal(o->payload.begin(), o->payload.end(), payload.begin(), payload.end()));
}

TEST(Envelope, EveryFlippedBitIsRefused) {
  const Secret s = secret("0123456789abcdef0123");
  const std::array payload{std::byte{4}, std::byte{2}, std::byte{9}};
  const auto d = sealed(s, payload);
  for (std::size_t bit = 0; bit < d.size() * 8; ++bit) {
    auto bad = d;
    bad[bit / 8] ^= std::byte{static_cast<unsigned char>(1U << (bit % 8))};
    Drop drop{};
    EXPECT_FALSE(open(s, bad, kMaxDatagram, drop)) << "bit " << bit;
    const bool header = bit < 5 * 8;  // magic and version are checked before the MAC
    if (!header) {
      EXPECT_EQ(drop, Drop::kBadMac) << "bit " << bit;
    }
  }
}

TEST(Envelope, RefusalsByReason) {
  const Secret s = secret("0123456789abcdef0123");
  const std::array payload{std::byte{1}};
  const auto d = sealed(s, payload);
  Drop drop{};
  EXPECT_FALSE(open(secret("another secret of the grid"), d, kMaxDatagram, drop));
  EXPECT_EQ(drop, Drop::kBadMac);
  EXPECT_FALSE(open(s, std::span(d).first(kEnvelopeOverhead - 1), kMaxDatagram, drop));
  EXPECT_EQ(drop, Drop::kTruncated);
  EXPECT_FALSE(open(s, d, d.size() - 1, drop));
  EXPECT_EQ(drop, Drop::kOversized);
  auto magic = d;
  magic[0] = std::byte{'X'};
  EXPECT_FALSE(open(s, magic, kMaxDatagram, drop));
  EXPECT_EQ(drop, Drop::kBadMagic);
  auto version = d;
  version[4] = std::byte{kEnvelopeVersion + 1};
  EXPECT_FALSE(open(s, version, kMaxDatagram, drop));
  EXPECT_EQ(drop, Drop::kBadVersion);
}

TEST(ReplayWindow, AcceptsEachSequenceOnceWithinTheWindow) {
  ReplayWindow w;
  EXPECT_TRUE(w.accept(1000));
  EXPECT_FALSE(w.accept(1000));
  EXPECT_TRUE(w.accept(1002));
  EXPECT_TRUE(w.accept(1001));  // reordered, within 64: accepted once
  EXPECT_FALSE(w.accept(1001));
  EXPECT_TRUE(w.accept(1100));
  EXPECT_FALSE(w.accept(1036));  // 64 behind the highest: out of the window
  EXPECT_TRUE(w.accept(1037));
  EXPECT_FALSE(w.accept(1002));
  EXPECT_TRUE(w.accept(5'000'000));  // a jump clears the bitmap
  EXPECT_FALSE(w.accept(1100));
}

TEST(Ipv4, PeerIdIsTheAddress) {
  EXPECT_EQ(parse_ipv4("127.0.0.1"), PeerId{0x7f000001});
  EXPECT_EQ(format_ipv4(PeerId{0x7f000102}), "127.0.1.2");
  EXPECT_FALSE(parse_ipv4("255.255.255.255"));  // PeerId::none()
  EXPECT_FALSE(parse_ipv4("0.0.0.0"));
  EXPECT_FALSE(parse_ipv4("localhost"));
}

TEST(Wire, NodeMessagesRoundTripAndTruncationsThrow) {
  Outcome o;
  o.job = 0x7f00000112345678ULL;
  o.attempt = 2;
  o.run_node = PeerId{0x7f000003};
  o.exit_code = 3;
  o.reason = "exit";
  o.stdout_head = std::string("out\0put", 7);
  o.stderr_head = "err";
  o.stdout_size = 7;
  o.pointer = "127.0.0.3:7400:/x";
  o.started_ns = 99;
  const auto bytes = encode(NodeMessage{OutcomeReport{o}});
  const auto back = std::get<OutcomeReport>(decode_node(bytes)).outcome;
  EXPECT_EQ(back.job, o.job);
  EXPECT_EQ(back.stdout_head, o.stdout_head);
  EXPECT_EQ(back.pointer, o.pointer);
  EXPECT_EQ(back.started_ns, 99);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode_node(std::span(bytes).first(n)), DecodeError) << n;
  }
  SubmitRequest r{};
  r.request = 5;
  r.requirements = {1, 2, 3};
  r.payload.argv = {"sh", "-c", "echo"};
  r.payload.files = {{"in.txt", "data"}};
  const auto req = std::get<SubmitRequest>(decode_request(encode(Request{r})));
  EXPECT_EQ(req.payload.argv, r.payload.argv);
  EXPECT_EQ(req.payload.files[0].data, "data");
  EXPECT_EQ(req.requirements, r.requirements);
}

TEST(Wire, JsonStringsEscape) {
  EXPECT_EQ(json_string("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
}

}  // namespace
}  // namespace p2pgrid::live
