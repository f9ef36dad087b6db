#include "p2pgrid/core/codec.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <vector>

namespace p2pgrid {
namespace {

std::vector<std::byte> encode_sample() {
  BufferWriter<64> w;
  w.header(ProtocolId::kChord, 7);
  w.u8(0xAB);
  w.u16(0xBEEF);
  w.u32(0xDEADBEEF);
  w.u64(0x0123456789ABCDEFULL);
  w.i64(-42);
  w.f64(3.25);
  w.peer(PeerId{99});
  w.time(Time{123456789});
  w.boolean(true);
  return {w.bytes().begin(), w.bytes().end()};
}

TEST(Codec, RoundTripsEveryFieldType) {
  const auto bytes = encode_sample();
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kChord);
  EXPECT_EQ(h.type, 7);
  EXPECT_EQ(r.u8("a"), 0xAB);
  EXPECT_EQ(r.u16("b"), 0xBEEF);
  EXPECT_EQ(r.u32("c"), 0xDEADBEEFU);
  EXPECT_EQ(r.u64("d"), 0x0123456789ABCDEFULL);
  EXPECT_EQ(r.i64("e"), -42);
  EXPECT_EQ(r.f64("f"), 3.25);
  EXPECT_EQ(r.peer("g"), PeerId{99});
  EXPECT_EQ(r.time("h"), Time{123456789});
  EXPECT_TRUE(r.boolean("i"));
  EXPECT_NO_THROW(r.expect_end());
}

TEST(Codec, IsLittleEndianOnTheWire) {
  BufferWriter<8> w;
  w.u32(0x01020304);
  const auto b = w.bytes();
  EXPECT_EQ(std::to_integer<int>(b[0]), 0x04);
  EXPECT_EQ(std::to_integer<int>(b[3]), 0x01);
}

TEST(Codec, EveryTruncationIsRejectedNotOverread) {
  const auto full = encode_sample();
  for (std::size_t len = 0; len < full.size(); ++len) {
    // A heap copy of exactly `len` bytes: ASan flags any read past it.
    std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    Reader r(cut);
    const auto read_all = [&r] {
      r.header(ProtocolId::kChord);
      r.u8("a");
      r.u16("b");
      r.u32("c");
      r.u64("d");
      r.i64("e");
      r.f64("f");
      r.peer("g");
      r.time("h");
      r.boolean("i");
    };
    EXPECT_THROW(read_all(), DecodeError) << "length " << len;
  }
}

struct MalformedCase {
  const char* name;
  std::vector<std::uint8_t> bytes;
  const char* expected;  // substring of the error message
};

TEST(Codec, MalformedBytesGiveTheExpectedError) {
  const std::vector<MalformedCase> cases{
      {"empty", {}, "field 'protocol' at byte 0: truncated: needs 1 bytes, 0 left"},
      {"wrong protocol", {3, 2, 0}, "field 'protocol' at byte 1: expected protocol 2, got 3"},
      {"future version", {2, 9, 0}, "field 'version' at byte 2: unsupported wire version 9 (this build speaks 3)"},
      {"bad boolean", {2, kWireVersion, 0, 7}, "field 'flag' at byte 4: boolean byte is 7"},
      {"trailing bytes", {2, kWireVersion, 0, 1, 0xFF}, "field 'end' at byte 4: 1 trailing bytes"},
      {"huge count", {2, kWireVersion, 0, 1, 0xFF, 0xFF, 0xFF, 0x7F}, "count 2147483647 exceeds the 0 bytes left"},
  };
  for (const auto& c : cases) {
    std::vector<std::byte> bytes;
    for (auto b : c.bytes) bytes.push_back(std::byte{b});
    Reader r(bytes);
    try {
      r.header(ProtocolId::kChord);
      const bool flag = r.boolean("flag");
      if (c.name == std::string("huge count")) r.count("items", 12);
      (void)flag;
      r.expect_end();
      ADD_FAILURE() << c.name << ": no error";
    } catch (const DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << c.name << ": " << e.what();
    }
  }
}

TEST(Codec, WriterRefusesToOverflowItsBuffer) {
  BufferWriter<4> w;
  w.u32(1);
  EXPECT_THROW(w.u8(1), EncodeError);
  EXPECT_EQ(w.size(), 4U);
}

TEST(Codec, PeekProtocolRejectsEmpty) {
  EXPECT_THROW(peek_protocol({}), DecodeError);
  const auto bytes = encode_sample();
  EXPECT_EQ(peek_protocol(bytes), ProtocolId::kChord);
}

}  // namespace
}  // namespace p2pgrid
