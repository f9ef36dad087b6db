#pragma once
/// The job-layer messages (ProtocolId::kGrid). docs/grid.md describes each
/// one, who sends it when, and the timeouts around it.

#include <cstdint>
#include <span>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::grid {

/// Where a job stands, as the run node and owner report it.
enum class JobState : std::uint8_t { kPending = 0, kQueued = 1, kRunning = 2 };

/// What the owner and run node know of a job's history, carried along so
/// whoever ends up holding the job can report it.
struct JobHistory {
  Time matched = Time{-1};
  Time started = Time{-1};
  std::uint32_t match_hops = 0;
  std::uint32_t match_messages = 0;
  std::uint32_t recoveries = 0;

  void encode(Writer& w) const;
  static JobHistory decode(Reader& r);
};

/// Injection peer -> (overlay route) -> owner: take ownership of a job.
struct Insert {
  JobProfile profile;
};
/// Owner -> run node: queue this job.
struct Assign {
  JobProfile profile;
  JobHistory history;
};
/// Run node -> owner, every heartbeat period, per queued or running job.
struct Heartbeat {
  std::uint64_t job;
  std::uint32_t attempt;
  JobState state;
  Time started;
};
/// Owner -> run node. `keep` is false when the owner gave the job to
/// another node meanwhile (after a false suspicion): the receiver drops it.
struct HeartbeatAck {
  std::uint64_t job;
  std::uint32_t attempt;
  bool keep;
};
/// Owner -> client: relayed status; any message from the owner resets the
/// client's timeout.
struct Status {
  std::uint64_t job;
  std::uint32_t attempt;
  JobState state;
  PeerId run_node;
  std::uint32_t recoveries;  ///< as the owner counts them
};
/// Run node -> client: the job finished (the result, or a pointer to it).
/// Repeated every heartbeat period until the client acknowledges it
/// (ResultAck), at most missed_heartbeats times: a lost result would
/// otherwise cost a resubmission and a second run.
struct Result {
  std::uint64_t job;
  std::uint32_t attempt;
  PeerId owner;
  RingId result_guid;
  Time finished;
  JobHistory history;
};
/// Run node -> owner: the job finished; forget it. Sent when the job
/// finishes and again every heartbeat period until the owner acknowledges
/// (a HeartbeatAck), at most missed_heartbeats times: a lost Done would
/// otherwise make the owner presume the run node dead and run the job again.
struct Done {
  std::uint64_t job;
  std::uint32_t attempt;
};
/// Run node -> (overlay route) -> the GUID's current owner, when the old
/// owner stopped acknowledging heartbeats: adopt this job, it runs here.
struct Handoff {
  JobProfile profile;
  JobHistory history;
  JobState state;
  PeerId run_node;
};

/// Why an owner gave up on a job (the values of JobFailure it can produce).
enum class OwnerVerdict : std::uint8_t { kUnmatchable = 1, kMatchDeadline = 2 };
/// Owner -> client: no run node was found within the matchmaking deadline;
/// final. Repeated every heartbeat period, at most missed_heartbeats times.
struct Failed {
  std::uint64_t job;
  std::uint32_t attempt;
  OwnerVerdict reason;
};
/// Client -> owner of an attempt (directly, or routed to the attempt's
/// GUID): the job's result was accepted; drop every copy of this attempt
/// and refuse whatever would start another.
struct Withdraw {
  std::uint64_t job;
  std::uint32_t attempt;
};

/// Client -> run node: the result arrived (this copy's, or a duplicate's).
struct ResultAck {
  std::uint64_t job;
  std::uint32_t attempt;
};

using Message =
    std::variant<Insert, Assign, Heartbeat, HeartbeatAck, Status, Result, Done, Handoff, Failed, Withdraw, ResultAck>;

/// Largest encoded grid message (a Handoff): callers size buffers with it.
inline constexpr std::size_t kMaxMessageSize = 3 + JobProfile::kEncodedSize + 64;

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer);
/// Throws DecodeError on anything malformed.
Message decode(std::span<const std::byte> bytes);

}  // namespace p2pgrid::grid
