#pragma once
/// The job-layer messages (ProtocolId::kGrid). docs/grid.md describes each
/// one, who sends it when, and the timeouts around it.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

/// Where a job stands, as the run node and owner report it.
enum class JobState : std::uint8_t { kPending = 0, kQueued = 1, kRunning = 2 };
constexpr bool wire_enum_valid(JobState s) { return s <= JobState::kRunning; }
constexpr const char* wire_enum_noun(JobState /*s*/) { return "job state"; }

/// Message type bytes (after the protocol id and version).
enum class MessageType : std::uint8_t {
  kInsert = 1,
  kAssign = 2,
  kHeartbeat = 3,
  kHeartbeatAck = 4,
  kStatus = 5,
  kResult = 6,
  kDone = 7,
  kHandoff = 8,
  kFailed = 9,
  kWithdraw = 10,
  kResultAck = 11,
  kUsageUpdate = 12,
  kUsageReport = 13,
};

/// What the owner and run node know of a job's history, carried along so
/// whoever ends up holding the job can report it.
struct JobHistory {
  Time matched = Time{-1};
  Time started = Time{-1};
  std::uint32_t match_hops = 0;
  std::uint32_t match_messages = 0;
  std::uint32_t recoveries = 0;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("history.matched", s.matched);
    v("history.started", s.started);
    v("history.match_hops", s.match_hops);
    v("history.match_messages", s.match_messages);
    v("history.recoveries", s.recoveries);
  }
};

/// Injection peer -> (overlay route) -> owner: take ownership of a job.
struct Insert {
  static constexpr MessageType kType = MessageType::kInsert;
  JobProfile profile;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("profile", s.profile);
  }
};
/// Owner -> run node: queue this job.
struct Assign {
  static constexpr MessageType kType = MessageType::kAssign;
  JobProfile profile;
  JobHistory history;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("profile", s.profile);
    v("history", s.history);
  }
};
/// Run node -> owner, every heartbeat period, per queued or running job.
struct Heartbeat {
  static constexpr MessageType kType = MessageType::kHeartbeat;
  std::uint64_t job;
  std::uint32_t attempt;
  JobState state;
  Time started;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
    v("state", s.state);
    v("started", s.started);
  }
};
/// Owner -> run node. `keep` is false when the owner gave the job to
/// another node meanwhile (after a false suspicion): the receiver drops it.
struct HeartbeatAck {
  static constexpr MessageType kType = MessageType::kHeartbeatAck;
  std::uint64_t job;
  std::uint32_t attempt;
  bool keep;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
    v("keep", s.keep);
  }
};
/// Owner -> client: relayed status; any message from the owner resets the
/// client's timeout.
struct Status {
  static constexpr MessageType kType = MessageType::kStatus;
  std::uint64_t job;
  std::uint32_t attempt;
  JobState state;
  PeerId run_node;
  std::uint32_t recoveries;  ///< as the owner counts them

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
    v("state", s.state);
    v("run_node", s.run_node);
    v("recoveries", s.recoveries);
  }
};
/// Run node -> client: the job finished (the result, or a pointer to it).
/// Repeated every heartbeat period until the client acknowledges it
/// (ResultAck), at most missed_heartbeats times: a lost result would
/// otherwise cost a resubmission and a second run.
struct Result {
  static constexpr MessageType kType = MessageType::kResult;
  std::uint64_t job;
  std::uint32_t attempt;
  PeerId owner;
  RingId result_guid;
  Time finished;
  JobHistory history;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
    v("owner", s.owner);
    v("result_guid", s.result_guid);
    v("finished", s.finished);
    v("history", s.history);
  }
};
/// Run node -> owner: the job finished; forget it. Sent when the job
/// finishes and again every heartbeat period until the owner acknowledges
/// (a HeartbeatAck), at most missed_heartbeats times: a lost Done would
/// otherwise make the owner presume the run node dead and run the job again.
struct Done {
  static constexpr MessageType kType = MessageType::kDone;
  std::uint64_t job;
  std::uint32_t attempt;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
  }
};
/// Run node -> (overlay route) -> the GUID's current owner, when the old
/// owner stopped acknowledging heartbeats: adopt this job, it runs here.
struct Handoff {
  static constexpr MessageType kType = MessageType::kHandoff;
  JobProfile profile;
  JobHistory history;
  JobState state;
  PeerId run_node;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("profile", s.profile);
    v("history", s.history);
    v("state", s.state);
    v("run_node", s.run_node);
  }
};

/// Why an owner gave up on a job (the values of JobFailure it can produce).
enum class OwnerVerdict : std::uint8_t { kUnmatchable = 1, kMatchDeadline = 2 };
constexpr bool wire_enum_valid(OwnerVerdict v) {
  return v == OwnerVerdict::kUnmatchable || v == OwnerVerdict::kMatchDeadline;
}
constexpr const char* wire_enum_noun(OwnerVerdict /*v*/) { return "failure reason"; }
/// Owner -> client: no run node was found within the matchmaking deadline;
/// final. Repeated every heartbeat period, at most missed_heartbeats times.
/// Carries what matching cost, which the client records for the job as it
/// does from a completed job's history: a job that failed to match still
/// cost its messages.
struct Failed {
  static constexpr MessageType kType = MessageType::kFailed;
  std::uint64_t job;
  std::uint32_t attempt;
  OwnerVerdict reason;
  std::uint32_t match_hops = 0;
  std::uint32_t match_messages = 0;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
    v("reason", s.reason);
    v("match_hops", s.match_hops);
    v("match_messages", s.match_messages);
  }
};
/// Client -> owner of an attempt (directly, or routed to the attempt's
/// GUID): the job's result was accepted; drop every copy of this attempt
/// and refuse whatever would start another.
struct Withdraw {
  static constexpr MessageType kType = MessageType::kWithdraw;
  std::uint64_t job;
  std::uint32_t attempt;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
  }
};

/// Client -> run node: the result arrived (this copy's, or a duplicate's).
struct ResultAck {
  static constexpr MessageType kType = MessageType::kResultAck;
  std::uint64_t job;
  std::uint32_t attempt;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("job", s.job);
    v("attempt", s.attempt);
  }
};

/// Users per UsageUpdate or UsageReport; a run node with more distinct
/// users waiting sends several.
inline constexpr std::size_t kUsageUsers = 8;

/// Run node -> the central server (grid.queue = fair_global only): a job of
/// `charged_user` started here with run time `charged_work` (0: no start,
/// only a question), and the users of the jobs waiting here, whose global
/// usage the node needs for its next pick.
struct UsageUpdate {
  static constexpr MessageType kType = MessageType::kUsageUpdate;
  std::uint32_t charged_user = 0;
  Duration charged_work;
  std::uint8_t count = 0;
  std::array<std::uint32_t, kUsageUsers> users{};

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("charged_user", s.charged_user);
    v("charged_work", s.charged_work);
    v.require("charged_work", s.charged_work.ns >= 0, [] { return std::string("negative run time"); });
    v.list("users", s.count, "user", s.users);
  }
};

/// One user's decayed usage over the whole grid, as the server knows it.
struct UsageEntry {
  std::uint32_t user = 0;
  Duration usage;  ///< run time given, decayed to the report's sending

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("user", s.user);
    v("usage", s.usage);
    v.require("usage", s.usage.ns >= 0, [] { return std::string("negative usage"); });
  }
};

/// Central server -> run node, in answer to a UsageUpdate that named users:
/// their global usage now.
struct UsageReport {
  static constexpr MessageType kType = MessageType::kUsageReport;
  std::uint8_t count = 0;
  std::array<UsageEntry, kUsageUsers> entries{};

  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("entries", s.count, "entry", s.entries);
  }
};

using Message = std::variant<Insert, Assign, Heartbeat, HeartbeatAck, Status, Result, Done, Handoff, Failed, Withdraw,
                             ResultAck, UsageUpdate, UsageReport>;

/// Largest encoded grid message (a Handoff): callers size buffers with it.
inline constexpr std::size_t kMaxMessageSize = 3 + JobProfile::kEncodedSize + 64;

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer);
/// Throws DecodeError on anything malformed.
Message decode(std::span<const std::byte> bytes);

}  // namespace p2pgrid::grid
