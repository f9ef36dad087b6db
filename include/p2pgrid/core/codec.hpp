#pragma once
/// Bounds-checked binary encoding of messages. Every integer is fixed-width
/// little-endian, so bytes mean the same on every host; a read past the end
/// or a malformed field throws DecodeError and never touches memory beyond
/// the buffer.
///
/// Every message starts with a three-byte header: protocol id, codec version
/// and message type. A receiver checks the version before anything else.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Thrown for truncated, oversized or malformed bytes; says which field and where.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Thrown when a message does not fit its buffer (a protocol bug).
class EncodeError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// The EncodeError of a Writer whose buffer is full: a caller whose
/// output has no fixed bound (a peer's checkpointed state) can retry with
/// a larger buffer.
class BufferFull : public EncodeError {
 public:
  using EncodeError::EncodeError;
};

/// Which protocol a message belongs to; lets one peer host a stack.
enum class ProtocolId : std::uint8_t {
  kPhold = 1,
  kChord = 2,
  kCan = 3,
  kGrid = 4,
  kMatch = 5,
};

/// Version of the wire format. Bump when any message layout changes.
inline constexpr std::uint8_t kWireVersion = 3;

struct MessageHeader {
  ProtocolId protocol;
  std::uint8_t version;
  std::uint8_t type;
};

/// Writes into caller-owned memory; throws EncodeError rather than overflow.
class Writer {
 public:
  explicit Writer(std::span<std::byte> buffer) : buf_(buffer) {}

  void header(ProtocolId protocol, std::uint8_t type) {
    u8(static_cast<std::uint8_t>(protocol));
    u8(kWireVersion);
    u8(type);
  }
  void u8(std::uint8_t v) { put(v); }
  void u16(std::uint16_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void i64(std::int64_t v) { put(static_cast<std::uint64_t>(v)); }
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }
  void peer(PeerId p) { u32(p.value); }
  void time(Time t) { i64(t.ns); }
  void duration(Duration d) { i64(d.ns); }
  void boolean(bool b) { u8(b ? 1 : 0); }
  /// The bytes as they are (a payload), in one copy.
  void raw(std::span<const std::byte> b) {
    if (buf_.size() - size_ < b.size()) overflow();
    if (!b.empty()) std::memcpy(buf_.data() + size_, b.data(), b.size());
    size_ += b.size();
  }

  [[nodiscard]] std::span<const std::byte> bytes() const { return buf_.first(size_); }
  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  template <class T>
  void put(T v) {
    static_assert(std::is_unsigned_v<T>);
    if (buf_.size() - size_ < sizeof(T)) overflow();
    if constexpr (std::endian::native == std::endian::little) {
      // The wire is little-endian: one store (GCC does not merge the loop's
      // byte stores, and neighbour lists write thousands of fields).
      std::memcpy(buf_.data() + size_, &v, sizeof(T));
    } else {
      for (std::size_t i = 0; i < sizeof(T); ++i) {
        buf_[size_ + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFU);
      }
    }
    size_ += sizeof(T);
  }

  [[noreturn]] void overflow() const {
    throw BufferFull("message larger than its " + std::to_string(buf_.size()) + "-byte buffer");
  }

  std::span<std::byte> buf_;
  std::size_t size_ = 0;
};

/// A Writer with its own fixed buffer on the stack: no heap per message.
template <std::size_t N>
class BufferWriter : public Writer {
 public:
  BufferWriter() : Writer(std::span<std::byte>(storage_)) {}
  BufferWriter(const BufferWriter&) = delete;
  BufferWriter& operator=(const BufferWriter&) = delete;

 private:
  // Not zero-filled: only the written prefix is ever read, and a 16 KiB
  // buffer cleared per message costs more than the message.
  std::array<std::byte, N> storage_;
};

/// Reads from a byte span; every read is checked against the end.
class Reader {
 public:
  explicit Reader(std::span<const std::byte> bytes) : buf_(bytes) {}
  /// A reader over the part of a message that starts at its byte `base`,
  /// so that errors still name the byte of the whole message.
  Reader(std::span<const std::byte> bytes, std::size_t base) : buf_(bytes), base_(base) {}

  /// Reads the header and checks protocol and version.
  MessageHeader header(ProtocolId expected) {
    MessageHeader h{};
    h.protocol = static_cast<ProtocolId>(u8("protocol"));
    if (h.protocol != expected) {
      fail("protocol", "expected protocol " + std::to_string(static_cast<int>(expected)) + ", got " +
                           std::to_string(static_cast<int>(h.protocol)));
    }
    h.version = u8("version");
    if (h.version != kWireVersion) {
      fail("version", "unsupported wire version " + std::to_string(h.version) + " (this build speaks " +
                          std::to_string(kWireVersion) + ")");
    }
    h.type = u8("type");
    return h;
  }

  std::uint8_t u8(const char* field) { return get<std::uint8_t>(field); }
  std::uint16_t u16(const char* field) { return get<std::uint16_t>(field); }
  std::uint32_t u32(const char* field) { return get<std::uint32_t>(field); }
  std::uint64_t u64(const char* field) { return get<std::uint64_t>(field); }
  std::int64_t i64(const char* field) { return static_cast<std::int64_t>(get<std::uint64_t>(field)); }
  double f64(const char* field) { return std::bit_cast<double>(get<std::uint64_t>(field)); }
  PeerId peer(const char* field) { return PeerId{u32(field)}; }
  Time time(const char* field) { return Time{i64(field)}; }
  Duration duration(const char* field) { return Duration{i64(field)}; }
  bool boolean(const char* field) {
    const auto v = u8(field);
    if (v > 1) fail(field, "boolean byte is " + std::to_string(v));
    return v == 1;
  }
  /// A count that prefixes `element_size`-byte items: rejected at once if the
  /// remaining bytes cannot hold that many, so no huge allocation follows.
  std::uint32_t count(const char* field, std::size_t element_size) {
    const auto n = u32(field);
    if (element_size != 0 && n > remaining() / element_size) {
      fail(field, "count " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
                      " bytes left");
    }
    return n;
  }

  /// The next `n` bytes as a view into the buffer (valid while it is).
  std::span<const std::byte> bytes(std::size_t n, const char* field) {
    if (remaining() < n) {
      fail(field, "truncated: needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left");
    }
    const auto view = buf_.subspan(pos_, n);
    pos_ += n;
    return view;
  }

  /// Call after the last field: trailing bytes mean a malformed message.
  void expect_end() const {
    if (pos_ != buf_.size()) {
      fail("end", std::to_string(buf_.size() - pos_) + " trailing bytes");
    }
  }

  [[nodiscard]] std::size_t remaining() const { return buf_.size() - pos_; }
  [[nodiscard]] std::size_t position() const { return pos_; }
  /// The position in the whole message (see the second constructor).
  [[nodiscard]] std::size_t offset() const { return base_ + pos_; }

  [[noreturn]] void fail(const char* field, const std::string& why) const {
    throw DecodeError("malformed message: field '" + std::string(field) + "' at byte " +
                      std::to_string(base_ + pos_) + ": " + why);
  }

 private:
  template <class T>
  T get(const char* field) {
    if (remaining() < sizeof(T)) {
      fail(field, "truncated: needs " + std::to_string(sizeof(T)) + " bytes, " +
                      std::to_string(remaining()) + " left");
    }
    T v = 0;
    if constexpr (std::endian::native == std::endian::little) {
      std::memcpy(&v, buf_.data() + pos_, sizeof(T));  // one load (see Writer::put)
    } else {
      for (std::size_t i = 0; i < sizeof(T); ++i) {
        v = static_cast<T>(v | (static_cast<T>(std::to_integer<std::uint8_t>(buf_[pos_ + i])) << (8 * i)));
      }
    }
    pos_ += sizeof(T);
    return v;
  }

  std::span<const std::byte> buf_;
  std::size_t pos_ = 0;
  std::size_t base_ = 0;
};

/// Protocol id of a message without decoding it; throws on an empty message.
inline ProtocolId peek_protocol(std::span<const std::byte> bytes) {
  if (bytes.empty()) throw DecodeError("malformed message: empty");
  return static_cast<ProtocolId>(std::to_integer<std::uint8_t>(bytes[0]));
}

}  // namespace p2pgrid
