#pragma once
/// The live layer's own messages, beside the protocol stack's: what a run
/// node fetches from a job's client (the program, its arguments and input
/// files: the job's data travels directly between the two, as in the paper,
/// never through the overlay), what it sends back (the outcome), and the
/// command-line client's requests. Encoded with the same bounds-checked
/// codec as the protocols.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/grid/job_profile.hpp"

namespace p2pgrid::live {

struct InputFile {
  std::string name;  ///< a plain file name, no '/'
  std::string data;
};

/// What a user submitted, kept by the client's daemon.
struct JobPayload {
  std::vector<std::string> argv;
  std::vector<InputFile> files;
  std::uint32_t memory_mib = 0;  ///< the memory the job may use (its --memory, or the run node's default)
  std::int64_t wall_ns = 0;      ///< wall-clock limit (0: the run node's default)
};

/// A file the job left in its directory: by value when small (`by_value`),
/// otherwise only its name and size (it stays behind the outcome's pointer).
struct OutputFile {
  std::string name;
  std::uint64_t size = 0;
  bool by_value = false;
  std::string data;
};

/// How a job's run ended on its run node.
struct Outcome {
  std::uint64_t job = 0;
  std::uint32_t attempt = 0;
  PeerId run_node;
  std::int32_t exit_code = -1;  ///< the program's, when it exited
  std::int32_t signal = 0;      ///< the signal that ended it, if one did
  /// "none" (exited 0), "exit" (non-zero), "signal", "timeout", "cpu",
  /// "memory", "processes", "file_size", "spec_unavailable", "launch_failed".
  std::string reason;
  std::string stdout_head;  ///< by value up to the run node's output_by_value
  std::string stderr_head;
  std::uint64_t stdout_size = 0;
  std::uint64_t stderr_size = 0;
  std::string pointer;  ///< where the full outputs and the job's files stay: HOST:PORT:DIR on the run node
  std::vector<OutputFile> files;  ///< the job directory's files (input files it did not change included)
  std::int64_t wall_ns = 0;
  std::int64_t started_ns = 0;  ///< Unix time the sandbox was launched (0: never)
};

// Daemon <-> daemon (Channel::kNode).
struct SpecRequest {  ///< run node -> client
  std::uint64_t job;
};
struct SpecReply {  ///< client -> run node
  std::uint64_t job;
  bool found;
  JobPayload payload;
};
struct OutcomeReport {  ///< run node -> client, on completion and on request
  Outcome outcome;
};
struct OutcomeRequest {  ///< client -> run node: the outcome of job, please
  std::uint64_t job;
};
/// The first seed, starting: is a ring already there? (If one is, it joins
/// it instead of creating a second one beside it.)
struct RingProbe {};
struct RingProbeReply {
  bool joined;
};
using NodeMessage = std::variant<SpecRequest, SpecReply, OutcomeReport, OutcomeRequest, RingProbe, RingProbeReply>;

// Command line -> daemon (Channel::kRequest). Replies (Channel::kReply) are
// a request id and JSON text, printed as they are.
struct SubmitRequest {
  std::uint64_t request;  ///< a retried request is answered from the cache, not run twice
  grid::Resources requirements{};
  JobPayload payload;
};
enum class Query : std::uint8_t { kStatus = 1, kResult = 2, kStats = 3 };
struct QueryRequest {
  std::uint64_t request;
  Query query;
  std::uint64_t job;
};
using Request = std::variant<SubmitRequest, QueryRequest>;
struct Reply {
  std::uint64_t request;
  std::string json;
};

std::vector<std::byte> encode(const NodeMessage& m);
std::vector<std::byte> encode(const Request& m);
std::vector<std::byte> encode(const Reply& m);
/// Throw DecodeError on anything malformed.
NodeMessage decode_node(std::span<const std::byte> bytes);
Request decode_request(std::span<const std::byte> bytes);
Reply decode_reply(std::span<const std::byte> bytes);

/// `s` as a JSON string literal.
std::string json_string(std::string_view s);

}  // namespace p2pgrid::live
