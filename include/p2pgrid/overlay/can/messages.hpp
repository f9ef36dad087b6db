#pragma once
/// The CAN wire format: one small struct per message type, a std::variant
/// over them, and an encode/decode pair. Every message starts with
/// Writer::header(ProtocolId::kCan, type) and then the space's dimension
/// count d, so peers configured with a different d reject it. Points are d
/// 32-bit coordinates; a zone is d pairs (lower bound u32, level u8) and is
/// rejected unless each lower bound is aligned to its level.
///
/// Lists decode into fixed-capacity arrays (no heap per message); a count
/// larger than the capacity, or than the bytes left, is a DecodeError.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <span>
#include <string>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

/// Most zones one peer may hold and advertise.
inline constexpr std::size_t kMaxZones = 32;
/// Most neighbour entries one message carries.
inline constexpr std::size_t kMaxEntries = 128;
/// Largest application payload a routed message carries.
inline constexpr std::size_t kMaxPayload = 256;
/// A buffer that holds any CAN message.
inline constexpr std::size_t kMaxMessageBytes = 16384;

enum class MessageType : std::uint8_t {
  kRoute = 1,       ///< greedy-routed towards a point: a join or an application payload
  kJoinReply = 2,   ///< zone owner -> joiner: your zone and its neighbours
  kUpdate = 3,      ///< periodic (and on change) to every neighbour: zones, load, neighbour list
  kLeave = 4,       ///< leaving peer -> neighbours: drop me, `heir` takes my zones
  kHandover = 5,    ///< leaving peer -> heir: my zones and my neighbours
  kProbeReply = 6,  ///< routing-probe workload: owner -> origin, directly
};

/// kJoin: the origin joins at the target; kApp: an application payload;
/// kHello: the owner of the target introduces itself to the origin (how a
/// peer that took a zone over finds the neighbours across its faces).
enum class RouteKind : std::uint8_t { kJoin = 1, kApp = 2, kHello = 3 };
constexpr bool wire_enum_valid(RouteKind k) { return k >= RouteKind::kJoin && k <= RouteKind::kHello; }
constexpr const char* wire_enum_noun(RouteKind /*k*/) { return "route kind"; }

/// Up to N items with no heap and no cost for the unused tail: the storage
/// is raw bytes, so a decoded update does not clear (or copy) 128 entries
/// to use a dozen. T is trivially copyable, so memcpy creates the items.
template <class T, std::size_t N>
struct FixedList {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

  FixedList() = default;
  FixedList(const FixedList& other) : size(other.size) { std::memcpy(raw_, other.raw_, size * sizeof(T)); }
  FixedList& operator=(const FixedList& other) {
    if (this == &other) return *this;  // memcpy onto itself is undefined
    size = other.size;
    std::memcpy(raw_, other.raw_, size * sizeof(T));
    return *this;
  }
  ~FixedList() = default;

  using value_type = T;
  std::uint32_t size = 0;

  void push_back(const T& v) {
    if (size == N) throw std::length_error("FixedList full");
    std::memcpy(raw_ + std::size_t{size} * sizeof(T), &v, sizeof(T));
    ++size;
  }
  /// Appends a value-initialised item to decode in place. A decoded local
  /// copied in by push_back was read back with wide loads over its narrow
  /// stores, which the CPU cannot forward: that stall was most of the time
  /// spent decoding neighbour lists, 8% of a 100,000-peer CAN run.
  T& emplace_back() {
    if (size == N) throw std::length_error("FixedList full");
    T* item = ::new (raw_ + std::size_t{size} * sizeof(T)) T{};
    ++size;
    return *item;
  }
  [[nodiscard]] bool full() const { return size == N; }
  [[nodiscard]] std::span<const T> view() const { return {std::launder(reinterpret_cast<const T*>(raw_)), size}; }
  [[nodiscard]] std::span<T> view() { return {std::launder(reinterpret_cast<T*>(raw_)), size}; }
  [[nodiscard]] const T& operator[](std::size_t i) const { return view()[i]; }
  static constexpr std::size_t capacity() { return N; }

 private:
  alignas(T) std::byte raw_[N * sizeof(T)];
};

/// One zone of one neighbour, as advertised in neighbour lists.
struct Entry {
  PeerId peer;
  Point point;               ///< the neighbour's capabilities point
  std::uint32_t age_ms = 0;  ///< how long ago the sender last heard from it
  PeerId heir;               ///< who takes its zones over if it dies, as the sender knows it
  Zone zone;
  friend bool operator==(const Entry&, const Entry&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("entry.peer", s.peer);
    v("entry.point", s.point);
    v("entry.age", s.age_ms);
    v("entry.heir", s.heir);
    v("entry.zone", s.zone);
  }
};

struct RouteMsg {
  static constexpr MessageType kType = MessageType::kRoute;
  PeerId origin;
  RouteKind kind = RouteKind::kApp;
  std::uint16_t hops = 0;
  Point target;
  std::span<const std::byte> payload;  ///< points into the decoded bytes

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("origin", s.origin);
    v("kind", s.kind);
    v("hops", s.hops);
    v("target", s.target);
    v.template bytes<std::uint16_t>("payload.size", "payload", s.payload, kMaxPayload);
  }
};

struct JoinReplyMsg {
  static constexpr MessageType kType = MessageType::kJoinReply;
  /// User-provided, so decoding (std::variant::emplace value-initialises)
  /// does not zero the lists' unused storage: kilobytes per message.
  JoinReplyMsg() {}  // NOLINT(modernize-use-equals-default)
  bool ok = false;  ///< false: the zone holding the point cannot be split further
  Zone zone;        ///< the joiner's zone (when ok)
  FixedList<Entry, kMaxEntries> entries;  ///< the owner and its neighbours around `zone`

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("ok", s.ok);
    v("zone", s.zone);
    v.list("entries", s.entries);
  }
};

struct UpdateMsg {
  static constexpr MessageType kType = MessageType::kUpdate;
  /// User-provided, so decoding (std::variant::emplace value-initialises)
  /// does not zero the lists' unused storage: kilobytes per message.
  UpdateMsg() {}  // NOLINT(modernize-use-equals-default)
  Point point;
  std::uint32_t load = 0;  ///< opaque load word of the sender's stack
  /// A reply (a correction to a peer that wrongly took the sender for a
  /// neighbour, or a welcome to a new one); never answered itself, so two
  /// views cannot ping-pong.
  bool correction = false;
  FixedList<Zone, kMaxZones> zones;
  FixedList<Entry, kMaxEntries> entries;  ///< the sender's neighbours (discovery)

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("point", s.point);
    v("load", s.load);
    v("correction", s.correction);
    v.list("zones", s.zones);
    v.list("entries", s.entries);
  }
};

struct LeaveMsg {
  static constexpr MessageType kType = MessageType::kLeave;
  PeerId heir;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("heir", s.heir);
  }
};

struct HandoverMsg {
  static constexpr MessageType kType = MessageType::kHandover;
  /// User-provided, so decoding (std::variant::emplace value-initialises)
  /// does not zero the lists' unused storage: kilobytes per message.
  HandoverMsg() {}  // NOLINT(modernize-use-equals-default)
  FixedList<Zone, kMaxZones> zones;
  FixedList<Entry, kMaxEntries> entries;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("zones", s.zones);
    v.list("entries", s.entries);
  }
};

struct ProbeReplyMsg {
  static constexpr MessageType kType = MessageType::kProbeReply;
  std::uint32_t seq = 0;
  PeerId result;
  std::uint16_t hops = 0;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("seq", s.seq);
    v("result", s.result);
    v("hops", s.hops);
  }
};

using Message = std::variant<RouteMsg, JoinReplyMsg, UpdateMsg, LeaveMsg, HandoverMsg, ProbeReplyMsg>;

/// A decode target for one handler call. A fresh Message costs a 6.8 KB
/// zero fill (std::variant value-initialises its storage) before a byte is
/// decoded, more than decoding a typical update; a lease reuses one Message
/// per thread instead. A nested lease (a handler decoding while the
/// thread's target is in use) gets a fresh one of its own.
class MessageLease {
 public:
  MessageLease();
  ~MessageLease();
  MessageLease(const MessageLease&) = delete;
  MessageLease& operator=(const MessageLease&) = delete;
  [[nodiscard]] Message& get() { return *message_; }

 private:
  Message* message_;
  std::unique_ptr<Message> own_;
};

/// Writes `m` for a d-dimensional space; returns the bytes written.
std::span<const std::byte> encode(Writer& w, int dims, const RouteMsg& m);
std::span<const std::byte> encode(Writer& w, int dims, const JoinReplyMsg& m);
std::span<const std::byte> encode(Writer& w, int dims, const UpdateMsg& m);
std::span<const std::byte> encode(Writer& w, int dims, const LeaveMsg& m);
std::span<const std::byte> encode(Writer& w, int dims, const HandoverMsg& m);
std::span<const std::byte> encode(Writer& w, int dims, const ProbeReplyMsg& m);

/// Decodes one whole message of a d-dimensional space; throws DecodeError
/// naming the field for anything truncated, oversized, misaligned or unknown.
/// `out` is filled in place (the lists are large: keep one per call site).
void decode(std::span<const std::byte> bytes, int dims, Message& out);

}  // namespace p2pgrid::can

namespace p2pgrid {

/// A point is `dims` coordinates (FieldContext::dims), u32 each.
template <>
struct FieldCodec<can::Point> {
  static void write(Writer& w, const FieldContext& ctx, const can::Point& p) {
    for (int d = 0; d < ctx.dims; ++d) w.u32(p.x[static_cast<std::size_t>(d)]);
  }
  static void read(Reader& r, const FieldContext& ctx, const char* field, can::Point& p) {
    for (int d = 0; d < ctx.dims; ++d) p.x[static_cast<std::size_t>(d)] = r.u32(field);
  }
  static std::size_t size(const FieldContext& ctx) { return static_cast<std::size_t>(ctx.dims) * 4; }
  static std::string describe() { return "point: d x u32"; }
};

/// A zone is `dims` pairs (lower bound u32, level u8), each bound aligned to its level.
template <>
struct FieldCodec<can::Zone> {
  static void write(Writer& w, const FieldContext& ctx, const can::Zone& z) {
    for (int d = 0; d < ctx.dims; ++d) {
      w.u32(z.lo(d));
      w.u8(z.level(d));
    }
  }
  static void read(Reader& r, const FieldContext& ctx, const char* field, can::Zone& z) {
    std::array<std::uint32_t, can::kMaxDims> lo{};
    std::array<std::uint8_t, can::kMaxDims> level{};
    for (int d = 0; d < ctx.dims; ++d) {
      lo[static_cast<std::size_t>(d)] = r.u32(field);
      level[static_cast<std::size_t>(d)] = r.u8(field);
    }
    if (can::Zone::valid_bounds(lo, level)) {
      z = can::Zone::from_valid_bounds(lo, level);
      return;
    }
    try {
      z = can::Zone::from_bounds(lo, level);
    } catch (const std::invalid_argument& e) {
      r.fail(field, e.what());
    }
  }
  static std::size_t size(const FieldContext& ctx) { return static_cast<std::size_t>(ctx.dims) * 5; }
  static std::string describe() { return "zone: d x (lower bound u32, level u8), aligned"; }
};

namespace can::wire_detail {

/// Little-endian u32 at p (callers use it on little-endian hosts only).
inline std::uint32_t load_u32(const std::byte* p) {
  std::uint32_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// The FieldCodec<Point> and FieldCodec<Zone> layouts for a fixed D, from
/// bytes known to be there; false for a misaligned or too fine zone.
template <int D>
inline bool read_point(const std::byte*& p, can::Point& out) {
  for (std::size_t d = 0; d < D; ++d, p += 4) out.x[d] = load_u32(p);
  return true;
}

template <int D>
inline bool read_zone(const std::byte*& p, can::Zone& out) {
  std::array<std::uint32_t, can::kMaxDims> lo{};
  std::array<std::uint8_t, can::kMaxDims> level{};
  for (std::size_t d = 0; d < D; ++d, p += 5) {
    lo[d] = load_u32(p);
    level[d] = std::to_integer<std::uint8_t>(p[4]);
  }
  if (!can::Zone::valid_bounds(lo, level)) return false;
  out = can::Zone::from_valid_bounds(lo, level);
  return true;
}

/// Entry's fields() layout (peer, point, age, heir, zone) for a fixed D.
template <int D>
inline bool read_entry(const std::byte* p, can::Entry& e) {
  e.peer = PeerId{load_u32(p)};
  p += 4;
  read_point<D>(p, e.point);
  e.age_ms = load_u32(p);
  e.heir = PeerId{load_u32(p + 4)};
  p += 8;
  return read_zone<D>(p, e.zone);
}

/// Calls f.template operator()<D>() for the runtime dimension count, so the
/// per-dimension loops above unroll; false for a count outside 1..kMaxDims.
template <class F>
inline bool with_dims(int dims, F&& f) {
  if constexpr (std::endian::native != std::endian::little) return false;
  switch (dims) {
    case 1: return f.template operator()<1>();
    case 2: return f.template operator()<2>();
    case 3: return f.template operator()<3>();
    case 4: return f.template operator()<4>();
    default: return false;
  }
}

}  // namespace can::wire_detail

/// Neighbour lists are most of CAN's decoding: entries and zones of a
/// bounded list are read straight from their bytes (FastItemCodec), with
/// every check of the declared layout; an item that fails one is decoded
/// the declared way, which reports it. tests/overlay/can/codec_test.cpp
/// checks both ways agree on valid and corrupted bytes.
template <>
struct FastItemCodec<can::Entry> {
  static bool read(const std::byte* p, const FieldContext& ctx, can::Entry& e) {
    return can::wire_detail::with_dims(ctx.dims, [&]<int D>() { return can::wire_detail::read_entry<D>(p, e); });
  }
};

template <>
struct FastItemCodec<can::Zone> {
  static bool read(const std::byte* p, const FieldContext& ctx, can::Zone& z) {
    return can::wire_detail::with_dims(ctx.dims, [&]<int D>() { return can::wire_detail::read_zone<D>(p, z); });
  }
};

}  // namespace p2pgrid
