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
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <span>
#include <variant>

#include "p2pgrid/core/codec.hpp"
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

/// Up to N items with no heap and no cost for the unused tail: the storage
/// is raw bytes, so a decoded update does not clear (or copy) 128 entries
/// to use a dozen. T is trivially copyable, so memcpy creates the items.
template <class T, std::size_t N>
struct FixedList {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

  FixedList() = default;
  FixedList(const FixedList& other) : size(other.size) { std::memcpy(raw_, other.raw_, size * sizeof(T)); }
  FixedList& operator=(const FixedList& other) {
    size = other.size;
    std::memcpy(raw_, other.raw_, size * sizeof(T));
    return *this;
  }
  ~FixedList() = default;

  std::uint32_t size = 0;

  void push_back(const T& v) {
    if (size == N) throw std::length_error("FixedList full");
    std::memcpy(raw_ + std::size_t{size} * sizeof(T), &v, sizeof(T));
    ++size;
  }
  [[nodiscard]] bool full() const { return size == N; }
  [[nodiscard]] std::span<const T> view() const { return {std::launder(reinterpret_cast<const T*>(raw_)), size}; }
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
};

struct RouteMsg {
  PeerId origin;
  RouteKind kind = RouteKind::kApp;
  std::uint16_t hops = 0;
  Point target;
  std::span<const std::byte> payload;  ///< points into the decoded bytes
};

struct JoinReplyMsg {
  bool ok = false;  ///< false: the zone holding the point cannot be split further
  Zone zone;        ///< the joiner's zone (when ok)
  FixedList<Entry, kMaxEntries> entries;  ///< the owner and its neighbours around `zone`
};

struct UpdateMsg {
  Point point;
  std::uint32_t load = 0;  ///< opaque load word of the sender's stack
  /// A reply (a correction to a peer that wrongly took the sender for a
  /// neighbour, or a welcome to a new one); never answered itself, so two
  /// views cannot ping-pong.
  bool correction = false;
  FixedList<Zone, kMaxZones> zones;
  FixedList<Entry, kMaxEntries> entries;  ///< the sender's neighbours (discovery)
};

struct LeaveMsg {
  PeerId heir;
};

struct HandoverMsg {
  FixedList<Zone, kMaxZones> zones;
  FixedList<Entry, kMaxEntries> entries;
};

struct ProbeReplyMsg {
  std::uint32_t seq = 0;
  PeerId result;
  std::uint16_t hops = 0;
};

using Message = std::variant<RouteMsg, JoinReplyMsg, UpdateMsg, LeaveMsg, HandoverMsg, ProbeReplyMsg>;

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
