#include "p2pgrid/core/fields.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <variant>
#include <vector>

#include "p2pgrid/core/field_layout.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid {
namespace {

enum class Colour : std::uint8_t { kRed = 1, kBlue = 2 };
constexpr bool wire_enum_valid(Colour c) { return c == Colour::kRed || c == Colour::kBlue; }
constexpr const char* wire_enum_noun(Colour /*c*/) { return "colour"; }

struct Inner {
  std::uint16_t a = 0;
  PeerId p;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("inner.a", s.a);
    v("inner.p", s.p);
  }
};

/// One field of every kind a declaration may hold.
struct Sample {
  static constexpr std::uint8_t kType = 9;
  std::uint8_t u8 = 0;
  std::uint64_t u64 = 0;
  bool flag = false;
  Time at;
  Duration span;
  Colour colour = Colour::kRed;
  std::array<std::uint32_t, 3> triple{};
  Inner inner;
  PeerId checked;
  std::uint8_t count = 0;
  std::array<PeerId, 4> list{};
  std::span<const std::byte> payload;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("u8", s.u8);
    v("u64", s.u64);
    v("flag", s.flag);
    v("at", s.at);
    v("span", s.span);
    v.require("span", s.span.ns >= 0, [] { return std::string("negative span"); });
    v("colour", s.colour);
    v("triple", s.triple);
    v("inner", s.inner);
    v("checked", s.checked, PeerCheck::kExisting);
    v.list("count", s.count, "item", s.list, PeerCheck::kExistingOrNone);
    v.template bytes<std::uint16_t>("payload_size", "payload", s.payload, 8);
  }
};

std::vector<std::byte> encode(const Sample& s) {
  BufferWriter<256> w;
  write_message(w, ProtocolId::kPhold, FieldContext{}, s);
  return {w.bytes().begin(), w.bytes().end()};
}

Sample decode(std::span<const std::byte> bytes, std::uint32_t peers = 10) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kPhold);
  std::variant<Sample> out;
  read_message(r, FieldContext{peers, 0}, h.type, out, "sample");
  r.expect_end();
  return std::get<Sample>(out);
}

std::string error_of(std::span<const std::byte> bytes, std::uint32_t peers = 10) {
  try {
    decode(bytes, peers);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

Sample sample() {
  static const std::array<std::byte, 3> payload{std::byte{7}, std::byte{8}, std::byte{9}};
  Sample s;
  s.u8 = 200;
  s.u64 = 0x0102030405060708ULL;
  s.flag = true;
  s.at = Time{-5};
  s.span = Duration{77};
  s.colour = Colour::kBlue;
  s.triple = {1, 2, 3};
  s.inner = {513, PeerId{4}};
  s.checked = PeerId{9};
  s.count = 2;
  s.list = {PeerId{1}, PeerId::none(), PeerId{}, PeerId{}};
  s.payload = payload;
  return s;
}

// Where each field sits: header 3, u8 1, u64 8, flag 1, at 8, span 8,
// colour 1, triple 12, inner 6, checked 4, count 1, list 2x4, payload 2+3.
constexpr std::size_t kColourEnd = 3 + 1 + 8 + 1 + 8 + 8 + 1;
constexpr std::size_t kCheckedEnd = kColourEnd + 12 + 6 + 4;
constexpr std::size_t kSampleSize = kCheckedEnd + 1 + 8 + 2 + 3;

TEST(Fields, RoundTripEveryKindInDeclarationOrder) {
  const auto bytes = encode(sample());
  ASSERT_EQ(bytes.size(), kSampleSize);
  EXPECT_EQ(std::to_integer<int>(bytes[2]), Sample::kType);
  EXPECT_EQ(std::to_integer<int>(bytes[3]), 200);             // u8 first
  EXPECT_EQ(std::to_integer<int>(bytes[4]), 0x08);            // u64 little-endian
  EXPECT_EQ(std::to_integer<int>(bytes[kColourEnd - 1]), 2);  // the colour's value
  const Sample back = decode(bytes);
  EXPECT_EQ(back.u64, sample().u64);
  EXPECT_EQ(back.at, Time{-5});
  EXPECT_EQ(back.span, Duration{77});
  EXPECT_EQ(back.colour, Colour::kBlue);
  EXPECT_EQ(back.triple, (std::array<std::uint32_t, 3>{1, 2, 3}));
  EXPECT_EQ(back.inner.a, 513);
  EXPECT_EQ(back.inner.p, PeerId{4});
  EXPECT_EQ(back.count, 2);
  EXPECT_EQ(back.list[1], PeerId::none());
  ASSERT_EQ(back.payload.size(), 3U);
  EXPECT_EQ(std::to_integer<int>(back.payload[2]), 9);
}

TEST(Fields, ChecksNameTheFieldAndTheByteWhereTheyStand) {
  auto bytes = encode(sample());
  auto bad = bytes;
  bad[kColourEnd - 1] = std::byte{3};
  EXPECT_NE(error_of(bad).find("field 'colour' at byte " + std::to_string(kColourEnd) + ": unknown colour 3"),
            std::string::npos)
      << error_of(bad);
  // The peer check uses the context's peer count.
  EXPECT_NE(error_of(bytes, 9).find("field 'checked' at byte " + std::to_string(kCheckedEnd) + ": peer 9 out of range"),
            std::string::npos)
      << error_of(bytes, 9);
  // A require() fails at its place in the order, right after `span`.
  Sample negative = sample();
  negative.span = Duration{-1};
  EXPECT_NE(
      error_of(encode(negative)).find("field 'span' at byte " + std::to_string(kColourEnd - 1) + ": negative span"),
      std::string::npos)
      << error_of(encode(negative));
  // A list longer than its array.
  bad = bytes;
  bad[kCheckedEnd] = std::byte{5};
  EXPECT_NE(error_of(bad).find("field 'count'"), std::string::npos) << error_of(bad);
  // A payload over its limit, an unknown type, a truncation, a trailing byte.
  bad = bytes;
  bad[kSampleSize - 5] = std::byte{9};
  EXPECT_NE(error_of(bad).find("field 'payload_size'"), std::string::npos) << error_of(bad);
  bad = bytes;
  bad[2] = std::byte{1};
  EXPECT_NE(error_of(bad).find("unknown sample message type 1"), std::string::npos) << error_of(bad);
  for (std::size_t n = 0; n < bytes.size(); ++n) EXPECT_NE(error_of(std::span(bytes).first(n)), "") << n;
  bad = bytes;
  bad.push_back(std::byte{0});
  EXPECT_NE(error_of(bad).find("trailing"), std::string::npos);
}

TEST(Fields, WriterRefusesWhatNoReaderAccepts) {
  Sample s = sample();
  s.count = 5;
  EXPECT_THROW(encode(s), EncodeError);
  const std::array<std::byte, 9> big{};
  s = sample();
  s.payload = big;
  EXPECT_THROW(encode(s), EncodeError);
}

TEST(Fields, SizesAndLayoutsComeFromTheSameDeclaration) {
  EXPECT_EQ(encoded_size<grid::JobProfile>(FieldContext{}), grid::JobProfile::kEncodedSize);
  EXPECT_EQ(encoded_size<Inner>(FieldContext{}), 6U);
  const auto layout = field_layout<Sample>();
  ASSERT_EQ(layout.size(), 14U);  // triple is one row, inner two, list two, payload two
  EXPECT_EQ(layout[0].name, "u8");
  EXPECT_EQ(layout[6].layout, "u32 x 3");
  EXPECT_EQ(layout[7].name, "inner.a");
}

}  // namespace
}  // namespace p2pgrid
