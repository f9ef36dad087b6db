#include "p2pgrid/workload/swf_reader.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "p2pgrid/workload/synthetic_jobs.hpp"
#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid::workload {
namespace {

constexpr std::array<std::string_view, kSwfFields> kNames{
    "job_number",    "submit_time", "wait_time",      "run_time",  "allocated_processors", "average_cpu_time",
    "used_memory",   "requested_processors", "requested_time", "requested_memory", "status", "user_id",
    "group_id",      "executable",  "queue",          "partition", "preceding_job",        "think_time"};

constexpr std::size_t at(SwfField f) { return static_cast<std::size_t>(f); }

// Ids and counts above 2^53 would not be exact in the double they are read into.
constexpr double kMaxExact = 9007199254740992.0;

std::string format_seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", s);
  return text;
}

/// The numbers of one job line, with the checks every used field shares.
class SwfLine {
 public:
  SwfLine(const TraceLine& line, SwfReport& report) : line_(line) {
    for (std::size_t i = 0; i < kSwfFields; ++i) values_[i] = line.number(i, kNames[i]);
    // A float where SWF has an integer: rounded (ids, memory) or kept
    // (times, which become nanoseconds anyway); either way the line is
    // counted, so a user sees how much of the log was not clean.
    for (const SwfField f : {SwfField::kJobNumber, SwfField::kSubmitTime, SwfField::kRunTime, SwfField::kUsedMemory,
                             SwfField::kRequestedTime, SwfField::kRequestedMemory, SwfField::kUserId}) {
      if (line.float_notation(at(f))) {
        ++report.repaired;
        break;
      }
    }
  }

  /// The field's value, or -1 for unknown; any other negative value is an error.
  [[nodiscard]] double time(SwfField f) const {
    const double v = values_[at(f)];
    if (v < 0 && v != -1) negative(f);
    return v;
  }

  /// The field rounded to an integer, or -1 for unknown.
  [[nodiscard]] std::int64_t integer(SwfField f) const {
    const double v = std::round(values_[at(f)]);
    if (v < 0 && v != -1) negative(f);
    if (v >= kMaxExact) line_.fail(kNames[at(f)], quote(line_.text(at(f))) + " is too large");
    return static_cast<std::int64_t>(v);
  }

  [[noreturn]] void fail(SwfField f, const std::string& reason) const { line_.fail(kNames[at(f)], reason); }
  [[nodiscard]] std::string quoted(SwfField f) const { return quote(line_.text(at(f))); }

 private:
  [[noreturn]] void negative(SwfField f) const {
    fail(f, quoted(f) + " is negative (the only negative value is -1, unknown)");
  }

  const TraceLine& line_;
  std::array<double, kSwfFields> values_{};
};

/// KB per processor, rounded up to MiB (a job needs at least what it asked for).
std::uint32_t memory_mib(const SwfLine& line, SwfField f, std::int64_t kb) {
  if (kb <= 0) return 0;
  const std::int64_t mib = (kb + 1023) / 1024;
  if (mib > std::numeric_limits<std::uint32_t>::max()) line.fail(f, line.quoted(f) + " KB is too large");
  return static_cast<std::uint32_t>(mib);
}

void read_job(const TraceLine& text, SwfTrace& trace, std::unordered_map<std::uint64_t, std::uint64_t>& seen) {
  const std::size_t n = text.size();
  if (n < kSwfFields) {
    text.fail(kNames[n], "missing (the line has " + std::to_string(n) + " of " + std::to_string(kSwfFields) +
                             " fields)");
  }
  if (n > kSwfFields) {
    text.fail("#" + std::to_string(kSwfFields + 1),
              "unexpected " + quote(text.text(kSwfFields)) + " (SWF lines have " +
                  std::to_string(kSwfFields) + " fields)");
  }
  SwfReport& report = trace.report;
  const SwfLine line(text, report);

  const std::int64_t number = line.integer(SwfField::kJobNumber);
  if (number < 0) line.fail(SwfField::kJobNumber, line.quoted(SwfField::kJobNumber) + " is not a job number");
  const auto [it, fresh] = seen.emplace(static_cast<std::uint64_t>(number), text.line());
  if (!fresh) {
    line.fail(SwfField::kJobNumber, "job " + std::to_string(number) + " is also on line " + std::to_string(it->second));
  }
  const double submit = line.time(SwfField::kSubmitTime);
  const double run = line.time(SwfField::kRunTime);
  const double requested = line.time(SwfField::kRequestedTime);
  const std::int64_t used_kb = line.integer(SwfField::kUsedMemory);
  const std::int64_t requested_kb = line.integer(SwfField::kRequestedMemory);
  const std::int64_t user = line.integer(SwfField::kUserId);

  if (submit == -1) {
    ++report.no_submit_time;
    return;
  }
  SwfJob job;
  job.number = static_cast<std::uint64_t>(number);
  job.submit_s = submit;
  job.user = user;
  job.line = text.line();
  if (run != -1) {
    job.run_time_s = run;
  } else if (requested != -1) {
    job.run_time_s = requested;
    ++report.requested_time;
  } else {
    ++report.no_run_time;
    return;
  }
  // The requested memory is the constraint the user stated; the used
  // memory is the best estimate when the log did not keep the request.
  job.memory_mib = requested_kb != -1 ? memory_mib(line, SwfField::kRequestedMemory, requested_kb)
                                      : memory_mib(line, SwfField::kUsedMemory, used_kb);
  if (!trace.jobs.empty()) {
    const SwfJob& prev = trace.jobs.back();
    if (std::tie(job.submit_s, job.number) < std::tie(prev.submit_s, prev.number)) ++report.out_of_order;
  }
  trace.jobs.push_back(job);
}

}  // namespace

std::string_view swf_field_name(SwfField field) { return kNames[at(field)]; }

SwfTrace read_swf(std::istream& in, const std::string& file) {
  SwfTrace trace;
  trace.file = file;
  std::unordered_map<std::uint64_t, std::uint64_t> seen;  // job number -> line, for duplicates
  std::vector<std::string_view> fields;
  std::string raw;
  std::uint64_t job_lines = 0;
  while (read_trace_line(in, raw, file, trace.report.lines)) {
    ++trace.report.lines;
    const std::string_view text = trim(raw);
    if (text.empty() || text.front() == ';') {
      ++trace.report.comments;
      continue;
    }
    ++job_lines;
    split_whitespace(text, fields);
    read_job(TraceLine(file, trace.report.lines, fields), trace, seen);
  }
  if (in.bad()) throw TraceFileError(file, "read error");
  if (job_lines == 0) throw TraceFileError(file, "no job lines (an SWF log has one job per line)");
  std::sort(trace.jobs.begin(), trace.jobs.end(), [](const SwfJob& a, const SwfJob& b) {
    return std::tie(a.submit_s, a.number) < std::tie(b.submit_s, b.number);
  });
  trace.report.jobs = trace.jobs.size();
  return trace;
}

SwfTrace read_swf_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceFileError(path, std::string("cannot open (") + std::strerror(errno) + ")");
  return read_swf(in, path);
}

grid::JobPlan make_swf_plan(const SwfTrace& trace, const SwfPlanOptions& options) {
  if (options.clients == 0 || options.clients > options.peers) {
    throw std::invalid_argument("clients must be between 1 and the number of peers");
  }
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    throw std::invalid_argument("time scale must be a positive number");
  }
  grid::JobPlan plan;
  if (trace.jobs.empty()) return plan;
  const std::size_t n = options.max_jobs == 0 ? trace.jobs.size()
                                              : std::min<std::size_t>(trace.jobs.size(), options.max_jobs);
  JobModel clients;
  clients.clients = options.clients;
  const double base = trace.jobs.front().submit_s;
  // Nanoseconds as a double: exact to well below a microsecond for any
  // offset that fits the simulated clock; beyond 2^62 ns (146 years) the
  // time cannot be represented.
  constexpr double kLimit = 4.6e18;
  const double ns_per_s = 1e9 * options.time_scale;
  const auto limit = static_cast<double>(kLimit - static_cast<double>(options.start.ns));
  for (std::size_t i = 0; i < n; ++i) {
    const SwfJob& j = trace.jobs[i];
    const double offset = (j.submit_s - base) * ns_per_s;
    const double run = j.run_time_s * ns_per_s;
    if (offset >= limit) {
      throw TraceFileError(trace.file, j.line, "submit_time",
                           format_seconds(j.submit_s) + " s is beyond the simulated clock after scaling");
    }
    if (run >= kLimit) {
      throw TraceFileError(trace.file, j.line, "run_time",
                           format_seconds(j.run_time_s) + " s is beyond the simulated clock after scaling");
    }
    grid::JobSpec spec;
    spec.submit = options.start + Duration{std::llround(offset)};
    spec.run_time = Duration{std::llround(run)};
    spec.requirements[1] = j.memory_mib;  // CPU and disk stay unconstrained: SWF records neither
    spec.input_bytes = options.input_bytes;
    const std::uint64_t key = j.user >= 0 ? static_cast<std::uint64_t>(j.user) : j.number;
    const auto index = static_cast<std::uint32_t>(key % options.clients);
    // The log's user (its id, truncated to 32 bits); unknown: the client's index.
    spec.user = j.user >= 0 ? static_cast<std::uint32_t>(j.user) : index;
    plan.by_client[client_peer(clients, options.peers, index).value].jobs.push_back(spec);
  }
  return plan;
}

std::string describe(const SwfReport& r) {
  return std::to_string(r.jobs) + " jobs (" + std::to_string(r.requested_time) +
         " with the requested time as run time); skipped " + std::to_string(r.no_run_time) + " without run time, " +
         std::to_string(r.no_submit_time) + " without submit time; " + std::to_string(r.repaired) +
         " lines repaired; " + std::to_string(r.out_of_order) + " out of order";
}

}  // namespace p2pgrid::workload
