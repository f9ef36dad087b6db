#include "p2pgrid/live/wire.hpp"

#include <cstdio>

#include "p2pgrid/live/envelope.hpp"

namespace p2pgrid::live {
namespace {

// Numbers are the wire's: new types go at the end.
enum class Type : std::uint8_t {
  kSpecRequest = 1,
  kSpecReply = 2,
  kOutcomeReport = 3,
  kOutcomeRequest = 4,
  kSubmit = 5,
  kQuery = 6,
  kReply = 7,
  kRingProbe = 8,
  kRingProbeReply = 9,
};

/// Grows as needed up to a datagram, then EncodeError (a caller bug: sizes are checked before).
class Out {
 public:
  Out() : buf_(kMaxDatagram), w_(buf_) {}
  Writer& w() { return w_; }
  void string(const std::string& s) {
    w_.u32(static_cast<std::uint32_t>(s.size()));
    for (const char c : s) w_.u8(static_cast<std::uint8_t>(c));
  }
  std::vector<std::byte> done() {
    buf_.resize(w_.size());
    return std::move(buf_);
  }

 private:
  std::vector<std::byte> buf_;
  Writer w_;
};

std::string get_string(Reader& r, const char* field) {
  const auto n = r.count(field, 1);
  const auto bytes = r.bytes(n, field);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

void put_payload(Out& o, const JobPayload& p) {
  o.w().u32(static_cast<std::uint32_t>(p.argv.size()));
  for (const auto& a : p.argv) o.string(a);
  o.w().u32(static_cast<std::uint32_t>(p.files.size()));
  for (const auto& f : p.files) {
    o.string(f.name);
    o.string(f.data);
  }
  o.w().u32(p.memory_mib);
  o.w().i64(p.wall_ns);
}

JobPayload get_payload(Reader& r) {
  JobPayload p;
  const auto argc = r.count("argv", 4);
  for (std::uint32_t i = 0; i < argc; ++i) p.argv.push_back(get_string(r, "argv"));
  const auto files = r.count("files", 8);
  for (std::uint32_t i = 0; i < files; ++i) {
    InputFile f;
    f.name = get_string(r, "file name");
    f.data = get_string(r, "file data");
    p.files.push_back(std::move(f));
  }
  p.memory_mib = r.u32("memory");
  p.wall_ns = r.i64("wall");
  return p;
}

void header(Out& o, Type t) {
  // The live layer is not one of the stack's protocols: it has no
  // ProtocolId, but keeps the codec's version byte.
  o.w().u8(0);
  o.w().u8(kWireVersion);
  o.w().u8(static_cast<std::uint8_t>(t));
}

Type get_header(Reader& r) {
  if (r.u8("protocol") != 0) r.fail("protocol", "not a live-layer message");
  if (const auto v = r.u8("version"); v != kWireVersion) r.fail("version", "unsupported wire version " + std::to_string(v));
  return static_cast<Type>(r.u8("type"));
}

}  // namespace

std::vector<std::byte> encode(const NodeMessage& m) {
  Out o;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, SpecRequest>) {
          header(o, Type::kSpecRequest);
          o.w().u64(x.job);
        } else if constexpr (std::is_same_v<T, SpecReply>) {
          header(o, Type::kSpecReply);
          o.w().u64(x.job);
          o.w().boolean(x.found);
          put_payload(o, x.payload);
        } else if constexpr (std::is_same_v<T, OutcomeReport>) {
          header(o, Type::kOutcomeReport);
          const Outcome& c = x.outcome;
          o.w().u64(c.job);
          o.w().u32(c.attempt);
          o.w().peer(c.run_node);
          o.w().u32(static_cast<std::uint32_t>(c.exit_code));
          o.w().u32(static_cast<std::uint32_t>(c.signal));
          o.string(c.reason);
          o.string(c.stdout_head);
          o.string(c.stderr_head);
          o.w().u64(c.stdout_size);
          o.w().u64(c.stderr_size);
          o.string(c.pointer);
          o.w().u32(static_cast<std::uint32_t>(c.files.size()));
          for (const OutputFile& f : c.files) {
            o.string(f.name);
            o.w().u64(f.size);
            o.w().boolean(f.by_value);
            o.string(f.data);
          }
          o.w().i64(c.wall_ns);
          o.w().i64(c.started_ns);
        } else if constexpr (std::is_same_v<T, OutcomeRequest>) {
          header(o, Type::kOutcomeRequest);
          o.w().u64(x.job);
        } else if constexpr (std::is_same_v<T, RingProbe>) {
          header(o, Type::kRingProbe);
        } else {
          header(o, Type::kRingProbeReply);
          o.w().boolean(x.joined);
        }
      },
      m);
  return o.done();
}

std::vector<std::byte> encode(const Request& m) {
  Out o;
  if (const auto* s = std::get_if<SubmitRequest>(&m)) {
    header(o, Type::kSubmit);
    o.w().u64(s->request);
    for (const auto v : s->requirements) o.w().u32(v);
    put_payload(o, s->payload);
  } else {
    const auto& q = std::get<QueryRequest>(m);
    header(o, Type::kQuery);
    o.w().u64(q.request);
    o.w().u8(static_cast<std::uint8_t>(q.query));
    o.w().u64(q.job);
  }
  return o.done();
}

std::vector<std::byte> encode(const Reply& m) {
  Out o;
  header(o, Type::kReply);
  o.w().u64(m.request);
  o.string(m.json);
  return o.done();
}

NodeMessage decode_node(std::span<const std::byte> bytes) {
  Reader r(bytes);
  NodeMessage out;
  switch (get_header(r)) {
    case Type::kSpecRequest: out = SpecRequest{r.u64("job")}; break;
    case Type::kSpecReply: {
      SpecReply s{};
      s.job = r.u64("job");
      s.found = r.boolean("found");
      s.payload = get_payload(r);
      out = std::move(s);
      break;
    }
    case Type::kOutcomeReport: {
      Outcome c;
      c.job = r.u64("job");
      c.attempt = r.u32("attempt");
      c.run_node = r.peer("run_node");
      c.exit_code = static_cast<std::int32_t>(r.u32("exit_code"));
      c.signal = static_cast<std::int32_t>(r.u32("signal"));
      c.reason = get_string(r, "reason");
      c.stdout_head = get_string(r, "stdout");
      c.stderr_head = get_string(r, "stderr");
      c.stdout_size = r.u64("stdout_size");
      c.stderr_size = r.u64("stderr_size");
      c.pointer = get_string(r, "pointer");
      const auto files = r.count("files", 17);
      for (std::uint32_t i = 0; i < files; ++i) {
        OutputFile f;
        f.name = get_string(r, "file name");
        f.size = r.u64("file size");
        f.by_value = r.boolean("by_value");
        f.data = get_string(r, "file data");
        c.files.push_back(std::move(f));
      }
      c.wall_ns = r.i64("wall");
      c.started_ns = r.i64("started");
      out = OutcomeReport{std::move(c)};
      break;
    }
    case Type::kOutcomeRequest: out = OutcomeRequest{r.u64("job")}; break;
    case Type::kRingProbe: out = RingProbe{}; break;
    case Type::kRingProbeReply: out = RingProbeReply{r.boolean("joined")}; break;
    default: r.fail("type", "not a daemon-to-daemon message");
  }
  r.expect_end();
  return out;
}

Request decode_request(std::span<const std::byte> bytes) {
  Reader r(bytes);
  Request out;
  switch (get_header(r)) {
    case Type::kSubmit: {
      SubmitRequest s{};
      s.request = r.u64("request");
      for (auto& v : s.requirements) v = r.u32("requirement");
      s.payload = get_payload(r);
      out = std::move(s);
      break;
    }
    case Type::kQuery: {
      QueryRequest q{};
      q.request = r.u64("request");
      const auto kind = r.u8("query");
      if (kind < 1 || kind > 3) r.fail("query", "unknown query " + std::to_string(kind));
      q.query = static_cast<Query>(kind);
      q.job = r.u64("job");
      out = q;
      break;
    }
    default: r.fail("type", "not a request");
  }
  r.expect_end();
  return out;
}

Reply decode_reply(std::span<const std::byte> bytes) {
  Reader r(bytes);
  if (get_header(r) != Type::kReply) r.fail("type", "not a reply");
  Reply out;
  out.request = r.u64("request");
  out.json = get_string(r, "json");
  r.expect_end();
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
          std::array<char, 8> buf{};
          std::snprintf(buf.data(), buf.size(), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf.data();
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace p2pgrid::live
