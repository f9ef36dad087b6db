#include "p2pgrid/grid/messages.hpp"

#include <string>

namespace p2pgrid::grid {
namespace {

enum Type : std::uint8_t {
  kInsert = 1,
  kAssign,
  kHeartbeat,
  kHeartbeatAck,
  kStatus,
  kResult,
  kDone,
  kHandoff,
  kFailed,
  kWithdraw,
  kResultAck,
};

/// The messages that name one attempt of a job and nothing more: their
/// type byte (0 for every other message).
template <class M>
constexpr std::uint8_t kAttemptOnly = std::is_same_v<M, Done>        ? kDone
                                      : std::is_same_v<M, Withdraw>  ? kWithdraw
                                      : std::is_same_v<M, ResultAck> ? kResultAck
                                                                     : 0;

template <class M>
M read_attempt(Reader& r) {
  M m{};
  m.job = r.u64("job");
  m.attempt = r.u32("attempt");
  return m;
}

JobState read_state(Reader& r) {
  const auto v = r.u8("state");
  if (v > static_cast<std::uint8_t>(JobState::kRunning)) r.fail("state", "unknown job state " + std::to_string(v));
  return static_cast<JobState>(v);
}

}  // namespace

void JobProfile::encode(Writer& w) const {
  w.u64(job);
  w.u64(guid);
  w.peer(client);
  w.u32(attempt);
  for (const std::uint32_t v : requirements) w.u32(v);
  w.u64(input_bytes);
  w.duration(run_time);
  w.time(submitted);
  w.u32(user);
}

JobProfile JobProfile::decode(Reader& r) {
  JobProfile p;
  p.job = r.u64("profile.job");
  p.guid = r.u64("profile.guid");
  p.client = r.peer("profile.client");
  p.attempt = r.u32("profile.attempt");
  for (std::uint32_t& v : p.requirements) v = r.u32("profile.requirements");
  p.input_bytes = r.u64("profile.input_bytes");
  p.run_time = r.duration("profile.run_time");
  if (p.run_time.ns < 0) r.fail("profile.run_time", "negative run time");
  p.submitted = r.time("profile.submitted");
  p.user = r.u32("profile.user");
  return p;
}

void JobHistory::encode(Writer& w) const {
  w.time(matched);
  w.time(started);
  w.u32(match_hops);
  w.u32(match_messages);
  w.u32(recoveries);
}

JobHistory JobHistory::decode(Reader& r) {
  JobHistory h;
  h.matched = r.time("history.matched");
  h.started = r.time("history.started");
  h.match_hops = r.u32("history.match_hops");
  h.match_messages = r.u32("history.match_messages");
  h.recoveries = r.u32("history.recoveries");
  return h;
}

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer) {
  Writer w(buffer);
  std::visit(
      [&w](const auto& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, Insert>) {
          w.header(ProtocolId::kGrid, kInsert);
          msg.profile.encode(w);
        } else if constexpr (std::is_same_v<T, Assign>) {
          w.header(ProtocolId::kGrid, kAssign);
          msg.profile.encode(w);
          msg.history.encode(w);
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          w.header(ProtocolId::kGrid, kHeartbeat);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.u8(static_cast<std::uint8_t>(msg.state));
          w.time(msg.started);
        } else if constexpr (std::is_same_v<T, HeartbeatAck>) {
          w.header(ProtocolId::kGrid, kHeartbeatAck);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.boolean(msg.keep);
        } else if constexpr (std::is_same_v<T, Status>) {
          w.header(ProtocolId::kGrid, kStatus);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.u8(static_cast<std::uint8_t>(msg.state));
          w.peer(msg.run_node);
          w.u32(msg.recoveries);
        } else if constexpr (std::is_same_v<T, Result>) {
          w.header(ProtocolId::kGrid, kResult);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.peer(msg.owner);
          w.u64(msg.result_guid);
          w.time(msg.finished);
          msg.history.encode(w);
        } else if constexpr (kAttemptOnly<T> != 0) {
          w.header(ProtocolId::kGrid, kAttemptOnly<T>);
          w.u64(msg.job);
          w.u32(msg.attempt);
        } else if constexpr (std::is_same_v<T, Failed>) {
          w.header(ProtocolId::kGrid, kFailed);
          w.u64(msg.job);
          w.u32(msg.attempt);
          w.u8(static_cast<std::uint8_t>(msg.reason));
        } else {
          static_assert(std::is_same_v<T, Handoff>);
          w.header(ProtocolId::kGrid, kHandoff);
          msg.profile.encode(w);
          msg.history.encode(w);
          w.u8(static_cast<std::uint8_t>(msg.state));
          w.peer(msg.run_node);
        }
      },
      m);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kGrid);
  Message m;
  switch (h.type) {
    case kInsert: m = Insert{JobProfile::decode(r)}; break;
    case kAssign: {
      Assign a;
      a.profile = JobProfile::decode(r);
      a.history = JobHistory::decode(r);
      m = a;
      break;
    }
    case kHeartbeat: {
      Heartbeat b{};
      b.job = r.u64("job");
      b.attempt = r.u32("attempt");
      b.state = read_state(r);
      b.started = r.time("started");
      m = b;
      break;
    }
    case kHeartbeatAck: {
      HeartbeatAck a{};
      a.job = r.u64("job");
      a.attempt = r.u32("attempt");
      a.keep = r.boolean("keep");
      m = a;
      break;
    }
    case kStatus: {
      Status s{};
      s.job = r.u64("job");
      s.attempt = r.u32("attempt");
      s.state = read_state(r);
      s.run_node = r.peer("run_node");
      s.recoveries = r.u32("recoveries");
      m = s;
      break;
    }
    case kResult: {
      Result s{};
      s.job = r.u64("job");
      s.attempt = r.u32("attempt");
      s.owner = r.peer("owner");
      s.result_guid = r.u64("result_guid");
      s.finished = r.time("finished");
      s.history = JobHistory::decode(r);
      m = s;
      break;
    }
    case kDone: m = read_attempt<Done>(r); break;
    case kHandoff: {
      Handoff o;
      o.profile = JobProfile::decode(r);
      o.history = JobHistory::decode(r);
      o.state = read_state(r);
      o.run_node = r.peer("run_node");
      m = o;
      break;
    }
    case kFailed: {
      Failed f{};
      f.job = r.u64("job");
      f.attempt = r.u32("attempt");
      const auto v = r.u8("reason");
      if (v != static_cast<std::uint8_t>(OwnerVerdict::kUnmatchable) &&
          v != static_cast<std::uint8_t>(OwnerVerdict::kMatchDeadline)) {
        r.fail("reason", "unknown failure reason " + std::to_string(v));
      }
      f.reason = static_cast<OwnerVerdict>(v);
      m = f;
      break;
    }
    case kWithdraw: m = read_attempt<Withdraw>(r); break;
    case kResultAck: m = read_attempt<ResultAck>(r); break;
    default: r.fail("type", "unknown grid message type " + std::to_string(h.type));
  }
  r.expect_end();
  return m;
}

}  // namespace p2pgrid::grid
