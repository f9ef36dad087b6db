#pragma once
/// Job traces in the Standard Workload Format (SWF, version 2.2) of the
/// Parallel Workloads Archive (Feitelson et al., "Experience with using the
/// Parallel Workloads Archive", JPDC 2014): one job per line, 18
/// whitespace-separated numeric fields, -1 for unknown values, header and
/// comment lines starting with ';'.
///
/// Real logs have quirks that the reader tolerates and counts: no header,
/// -1 (unknown) values, leading zeros ("007"), floats in integer columns
/// ("12.0", "3.7": rounded; times keep their fraction), ids and submit
/// times out of order (jobs are sorted), '\r' line ends, tabs. Anything else
/// it cannot read is a TraceFileError naming the file, line and field.
///
/// Mapping to the grid (docs/workloads.md): each SWF job becomes one
/// sequential grid job. Its run time is the actual run time (field 4), or
/// the requested time (field 9) when that is unknown; jobs with neither are
/// skipped. Its memory requirement is the requested memory per processor
/// (field 10), or the used memory (field 7), in KB rounded up to MiB; -1 or
/// 0 leaves memory unconstrained. CPU and disk are unconstrained: SWF
/// records neither a speed nor a disk size. The job goes to client
/// (user id mod clients), or (job number mod clients) when the user is
/// unknown, so one user's jobs always come from the same peer. The job's
/// user is the log's user id (field 12), or the client index when unknown.

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgrid/core/time.hpp"
#include "p2pgrid/grid/params.hpp"

namespace p2pgrid::workload {

/// The 18 SWF fields, in file order (0-based here, 1-based in the standard).
enum class SwfField : std::uint8_t {
  kJobNumber, kSubmitTime, kWaitTime, kRunTime, kAllocatedProcessors, kAverageCpuTime, kUsedMemory,
  kRequestedProcessors, kRequestedTime, kRequestedMemory, kStatus, kUserId, kGroupId, kExecutable, kQueue,
  kPartition, kPrecedingJob, kThinkTime,
};
inline constexpr std::size_t kSwfFields = 18;

/// The field's name in error messages ("run_time", "requested_memory").
std::string_view swf_field_name(SwfField field);

/// One job line, as read (times in trace seconds, not yet mapped).
struct SwfJob {
  std::uint64_t number = 0;
  double submit_s = 0;
  double run_time_s = 0;          ///< actual, or requested when the actual is unknown
  std::uint32_t memory_mib = 0;   ///< 0: unconstrained
  std::int64_t user = -1;         ///< -1: unknown
  std::uint64_t line = 0;
};

/// What the reader did with each line.
struct SwfReport {
  std::uint64_t lines = 0;           ///< every line of the file
  std::uint64_t comments = 0;        ///< header, comment (';') and blank lines
  std::uint64_t jobs = 0;            ///< job lines kept
  std::uint64_t repaired = 0;        ///< job lines with a float in an integer column (rounded)
  std::uint64_t requested_time = 0;  ///< jobs whose run time is the requested time (actual unknown)
  std::uint64_t no_run_time = 0;     ///< skipped: run time and requested time both unknown
  std::uint64_t no_submit_time = 0;  ///< skipped: submit time unknown
  std::uint64_t out_of_order = 0;    ///< job lines earlier (submit time, job number) than the line before
};

struct SwfTrace {
  std::string file;            ///< the name used in errors
  std::vector<SwfJob> jobs;    ///< sorted by (submit time, job number)
  SwfReport report;
};

/// Reads an SWF log; `file` names it in errors. Throws TraceFileError.
SwfTrace read_swf(std::istream& in, const std::string& file);
/// Same, from a path ("PATH: cannot open" if it cannot be read).
SwfTrace read_swf_file(const std::string& path);

struct SwfPlanOptions {
  std::uint32_t peers = 0;
  std::uint32_t clients = 1;       ///< client i is workload::client_peer(i) (synthetic_jobs.hpp)
  Time start;                      ///< the earliest kept job is submitted here
  /// Every submit offset and run time is multiplied by this: 0.5 replays
  /// the log twice as fast with the same load (the same jobs per run time).
  double time_scale = 1.0;
  std::uint64_t max_jobs = 0;      ///< keep the earliest max_jobs jobs (0: all)
  std::uint64_t input_bytes = 0;   ///< SWF records no input size: every job gets this
};

/// The jobs as a plan: submit = start + (submit_s - earliest submit_s) *
/// time_scale, in each client's submission order. Throws
/// std::invalid_argument for bad options, TraceFileError for a time too
/// large to represent after scaling.
grid::JobPlan make_swf_plan(const SwfTrace& trace, const SwfPlanOptions& options);

/// "312 jobs (2 with the requested time as run time); skipped 3 without
/// run time, 0 without submit time; 4 lines repaired; 1 out of order".
std::string describe(const SwfReport& report);

}  // namespace p2pgrid::workload
