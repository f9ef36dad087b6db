#include "p2pgrid/overlay/can/messages.hpp"

#include <stdexcept>
#include <string>

namespace p2pgrid::can {
namespace {

constexpr std::size_t zone_bytes(int dims) { return static_cast<std::size_t>(dims) * 5; }
constexpr std::size_t point_bytes(int dims) { return static_cast<std::size_t>(dims) * 4; }

void begin(Writer& w, int dims, MessageType type) {
  w.header(ProtocolId::kCan, static_cast<std::uint8_t>(type));
  w.u8(static_cast<std::uint8_t>(dims));
}

void put_point(Writer& w, int dims, const Point& p) {
  for (int d = 0; d < dims; ++d) w.u32(p.x[static_cast<std::size_t>(d)]);
}

void put_zone(Writer& w, int dims, const Zone& z) {
  for (int d = 0; d < dims; ++d) {
    w.u32(z.lo(d));
    w.u8(z.level(d));
  }
}

template <std::size_t N>
void put_zones(Writer& w, int dims, const FixedList<Zone, N>& zones) {
  w.u32(zones.size);
  for (const Zone& z : zones.view()) put_zone(w, dims, z);
}

template <std::size_t N>
void put_entries(Writer& w, int dims, const FixedList<Entry, N>& entries) {
  w.u32(entries.size);
  for (const Entry& e : entries.view()) {
    w.peer(e.peer);
    put_point(w, dims, e.point);
    w.u32(e.age_ms);
    w.peer(e.heir);
    put_zone(w, dims, e.zone);
  }
}

Point get_point(Reader& r, int dims, const char* field) {
  Point p;
  for (int d = 0; d < dims; ++d) p.x[static_cast<std::size_t>(d)] = r.u32(field);
  return p;
}

Zone get_zone(Reader& r, int dims, const char* field) {
  std::array<std::uint32_t, kMaxDims> lo{};
  std::array<std::uint8_t, kMaxDims> level{};
  for (int d = 0; d < dims; ++d) {
    lo[static_cast<std::size_t>(d)] = r.u32(field);
    level[static_cast<std::size_t>(d)] = r.u8(field);
  }
  try {
    return Zone::from_bounds(lo, level);
  } catch (const std::invalid_argument& e) {
    r.fail(field, e.what());
  }
}

template <std::size_t N>
void get_zones(Reader& r, int dims, FixedList<Zone, N>& out, const char* field) {
  const std::uint32_t n = r.count(field, zone_bytes(dims));
  if (n > N) r.fail(field, "count " + std::to_string(n) + " exceeds the limit of " + std::to_string(N));
  out.size = 0;
  for (std::uint32_t i = 0; i < n; ++i) out.push_back(get_zone(r, dims, field));
}

template <std::size_t N>
void get_entries(Reader& r, int dims, FixedList<Entry, N>& out) {
  const std::uint32_t n = r.count("entries", 12 + point_bytes(dims) + zone_bytes(dims));
  if (n > N) r.fail("entries", "count " + std::to_string(n) + " exceeds the limit of " + std::to_string(N));
  out.size = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    Entry e;
    e.peer = r.peer("entry.peer");
    e.point = get_point(r, dims, "entry.point");
    e.age_ms = r.u32("entry.age");
    e.heir = r.peer("entry.heir");
    e.zone = get_zone(r, dims, "entry.zone");
    out.push_back(e);
  }
}

template <class List>
void check_capacity(const List& list, const char* what) {
  if (list.size > List::capacity()) throw EncodeError(std::string("CAN message: too many ") + what);
}

}  // namespace

std::span<const std::byte> encode(Writer& w, int dims, const RouteMsg& m) {
  if (m.payload.size() > kMaxPayload) throw EncodeError("CAN route payload larger than " + std::to_string(kMaxPayload));
  begin(w, dims, MessageType::kRoute);
  w.peer(m.origin);
  w.u8(static_cast<std::uint8_t>(m.kind));
  w.u16(m.hops);
  put_point(w, dims, m.target);
  w.u16(static_cast<std::uint16_t>(m.payload.size()));
  for (const std::byte b : m.payload) w.u8(std::to_integer<std::uint8_t>(b));
  return w.bytes();
}

std::span<const std::byte> encode(Writer& w, int dims, const JoinReplyMsg& m) {
  check_capacity(m.entries, "entries");
  begin(w, dims, MessageType::kJoinReply);
  w.boolean(m.ok);
  put_zone(w, dims, m.zone);
  put_entries(w, dims, m.entries);
  return w.bytes();
}

std::span<const std::byte> encode(Writer& w, int dims, const UpdateMsg& m) {
  begin(w, dims, MessageType::kUpdate);
  put_point(w, dims, m.point);
  w.u32(m.load);
  w.boolean(m.correction);
  put_zones(w, dims, m.zones);
  put_entries(w, dims, m.entries);
  return w.bytes();
}

std::span<const std::byte> encode(Writer& w, int dims, const LeaveMsg& m) {
  begin(w, dims, MessageType::kLeave);
  w.peer(m.heir);
  return w.bytes();
}

std::span<const std::byte> encode(Writer& w, int dims, const HandoverMsg& m) {
  begin(w, dims, MessageType::kHandover);
  put_zones(w, dims, m.zones);
  put_entries(w, dims, m.entries);
  return w.bytes();
}

std::span<const std::byte> encode(Writer& w, int dims, const ProbeReplyMsg& m) {
  begin(w, dims, MessageType::kProbeReply);
  w.u32(m.seq);
  w.peer(m.result);
  w.u16(m.hops);
  return w.bytes();
}

void decode(std::span<const std::byte> bytes, int dims, Message& out) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kCan);
  const std::uint8_t d = r.u8("dims");
  if (d != dims) {
    r.fail("dims", "message for a " + std::to_string(d) + "-dimensional space; this peer's has " +
                       std::to_string(dims));
  }
  switch (static_cast<MessageType>(h.type)) {
    case MessageType::kRoute: {
      RouteMsg& m = out.emplace<RouteMsg>();
      m.origin = r.peer("origin");
      const std::uint8_t kind = r.u8("kind");
      if (kind < static_cast<std::uint8_t>(RouteKind::kJoin) || kind > static_cast<std::uint8_t>(RouteKind::kHello)) {
        r.fail("kind", "unknown route kind " + std::to_string(kind));
      }
      m.kind = static_cast<RouteKind>(kind);
      m.hops = r.u16("hops");
      m.target = get_point(r, dims, "target");
      const std::uint16_t len = r.u16("payload.size");
      if (len > kMaxPayload || len > r.remaining()) {
        r.fail("payload.size", std::to_string(len) + " bytes announced, " + std::to_string(r.remaining()) + " left");
      }
      m.payload = bytes.subspan(r.position(), len);
      for (std::uint16_t i = 0; i < len; ++i) r.u8("payload");
      break;
    }
    case MessageType::kJoinReply: {
      JoinReplyMsg& m = out.emplace<JoinReplyMsg>();
      m.ok = r.boolean("ok");
      m.zone = get_zone(r, dims, "zone");
      get_entries(r, dims, m.entries);
      break;
    }
    case MessageType::kUpdate: {
      UpdateMsg& m = out.emplace<UpdateMsg>();
      m.point = get_point(r, dims, "point");
      m.load = r.u32("load");
      m.correction = r.boolean("correction");
      get_zones(r, dims, m.zones, "zones");
      get_entries(r, dims, m.entries);
      break;
    }
    case MessageType::kLeave: {
      out.emplace<LeaveMsg>().heir = r.peer("heir");
      break;
    }
    case MessageType::kHandover: {
      HandoverMsg& m = out.emplace<HandoverMsg>();
      get_zones(r, dims, m.zones, "zones");
      get_entries(r, dims, m.entries);
      break;
    }
    case MessageType::kProbeReply: {
      ProbeReplyMsg& m = out.emplace<ProbeReplyMsg>();
      m.seq = r.u32("seq");
      m.result = r.peer("result");
      m.hops = r.u16("hops");
      break;
    }
    default:
      r.fail("type", "unknown CAN message type " + std::to_string(h.type));
  }
  r.expect_end();
}

}  // namespace p2pgrid::can
