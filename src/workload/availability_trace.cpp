#include "p2pgrid/workload/availability_trace.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid::workload {
namespace {

constexpr std::array<std::string_view, kFtaColumns> kNames{
    "event_id",  "component_id", "node_id",          "platform_id",    "node_name",
    "event_type", "event_start_time", "event_stop_time", "event_end_reason"};

constexpr std::size_t at(FtaColumn c) { return static_cast<std::size_t>(c); }

constexpr double kMaxExact = 9007199254740992.0;  // 2^53: ids above it are not exact in a double

std::string quoted(const TraceLine& line, FtaColumn c) { return quote(line.text(at(c))); }

double seconds(const TraceLine& line, FtaColumn c) {
  const double v = line.number(at(c), kNames[at(c)]);
  if (v < 0) line.fail(kNames[at(c)], quoted(line, c) + " is negative");
  return v;
}

void read_row(const TraceLine& line, AvailabilityTrace& trace) {
  const std::size_t n = line.size();
  if (n < kFtaRequiredColumns) {
    line.fail(kNames[n], "missing (the row has " + std::to_string(n) + " columns; event_trace rows have " +
                             std::to_string(kFtaColumns) + ")");
  }
  if (n > kFtaColumns) {
    line.fail("#" + std::to_string(kFtaColumns + 1), "unexpected " + quote(line.text(kFtaColumns)) +
                                                         " (event_trace rows have " + std::to_string(kFtaColumns) +
                                                         " columns)");
  }
  const double node = line.number(at(FtaColumn::kNodeId), kNames[at(FtaColumn::kNodeId)]);
  if (node < 0 || node != std::floor(node) || node >= kMaxExact) {
    line.fail(kNames[at(FtaColumn::kNodeId)], quoted(line, FtaColumn::kNodeId) + " is not a node id");
  }
  const double type = line.number(at(FtaColumn::kEventType), kNames[at(FtaColumn::kEventType)]);
  if (type != 0 && type != 1) {
    line.fail(kNames[at(FtaColumn::kEventType)],
              quoted(line, FtaColumn::kEventType) + " is neither 0 (unavailable) nor 1 (available)");
  }
  const double start = seconds(line, FtaColumn::kEventStartTime);
  const double stop = seconds(line, FtaColumn::kEventStopTime);
  if (stop < start) {
    line.fail(kNames[at(FtaColumn::kEventStopTime)], quoted(line, FtaColumn::kEventStopTime) +
                                                         " is before event_start_time " +
                                                         quoted(line, FtaColumn::kEventStartTime));
  }
  const auto id = static_cast<std::uint64_t>(node);
  trace.nodes.push_back(id);
  trace.earliest_s = trace.report.unavailable + trace.report.available == 0 ? start : std::min(trace.earliest_s, start);
  if (type == 1) {
    ++trace.report.available;
    return;
  }
  ++trace.report.unavailable;
  if (stop == start) {
    ++trace.report.empty;
    return;
  }
  trace.down.push_back({id, start, stop, line.line()});
}

/// An interval in simulated nanoseconds.
struct Span {
  std::int64_t start;
  std::int64_t stop;
};

}  // namespace

AvailabilityTrace read_availability(std::istream& in, const std::string& file) {
  AvailabilityTrace trace;
  trace.file = file;
  std::vector<std::string_view> fields;
  std::string raw;
  while (read_trace_line(in, raw, file, trace.report.lines)) {
    ++trace.report.lines;
    std::string_view text = raw;
    // Only the line end is stripped before splitting on tabs: a leading or
    // trailing tab is an empty column, not padding.
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
    const std::string_view content = trim(text);
    if (content.empty() || content.front() == '#') {
      ++trace.report.comments;
      continue;
    }
    if (text.find('\t') != std::string_view::npos) {
      split_tabs(text, fields);
    } else {
      split_whitespace(content, fields);
    }
    if (fields.front() == kNames[0]) {  // the column header row
      ++trace.report.comments;
      continue;
    }
    read_row(TraceLine(file, trace.report.lines, fields), trace);
  }
  if (in.bad()) throw TraceFileError(file, "read error");
  if (trace.report.unavailable + trace.report.available == 0) {
    throw TraceFileError(file, "no event rows (an event_trace table has one interval per row)");
  }
  std::sort(trace.nodes.begin(), trace.nodes.end());
  trace.nodes.erase(std::unique(trace.nodes.begin(), trace.nodes.end()), trace.nodes.end());
  return trace;
}

AvailabilityTrace read_availability_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceFileError(path, std::string("cannot open (") + std::strerror(errno) + ")");
  return read_availability(in, path);
}

NodeMapping parse_node_mapping(std::string_view text) {
  if (text == "first") return NodeMapping::kFirst;
  if (text == "modulo") return NodeMapping::kModulo;
  throw std::invalid_argument("unknown node mapping '" + std::string(text) + "' (expected first or modulo)");
}

AvailabilityPlanReport append_availability(FaultPlan& plan, const AvailabilityTrace& trace,
                                           const AvailabilityOptions& options) {
  if (options.node_offset >= options.peers) {
    throw std::invalid_argument("node offset " + std::to_string(options.node_offset) +
                                " is not below the number of peers (" + std::to_string(options.peers) + ")");
  }
  if (!(options.time_scale > 0) || !std::isfinite(options.time_scale)) {
    throw std::invalid_argument("time scale must be a positive number");
  }
  if (options.warmup.ns < 0) throw std::invalid_argument("warm-up must not be negative");
  AvailabilityPlanReport report;
  const std::size_t nodes = trace.nodes.size();
  if (nodes == 0) return report;

  // Trace seconds -> simulated ns, clamped to [warm-up, end]: the double
  // is clamped before it is rounded, so no trace time can overflow.
  const double origin = options.origin_s < 0 ? trace.earliest_s : options.origin_s;
  const auto lo = static_cast<double>(options.warmup.ns);
  // A warm-up past the run's end leaves nothing (hi = lo), never an inverted clamp.
  const double hi = std::max(lo, std::min(static_cast<double>(options.end.ns), 4.6e18));
  const auto to_ns = [&](double s) {
    const double v = lo + (s - origin) * options.time_scale * 1e9;
    return static_cast<std::int64_t>(std::llround(std::clamp(v, lo, hi)));
  };
  std::vector<std::vector<Span>> spans(nodes);
  for (const DownInterval& d : trace.down) {
    const Span s{to_ns(d.start_s), to_ns(d.stop_s)};
    if (s.start >= s.stop || s.start >= options.end.ns) continue;  // outside [warm-up, end)
    const auto rank = static_cast<std::size_t>(
        std::lower_bound(trace.nodes.begin(), trace.nodes.end(), d.node) - trace.nodes.begin());
    spans[rank].push_back(s);
  }
  for (std::vector<Span>& list : spans) {
    std::sort(list.begin(), list.end(), [](const Span& a, const Span& b) {
      return a.start != b.start ? a.start < b.start : a.stop < b.stop;
    });
    std::size_t kept = 0;
    for (const Span& s : list) {
      if (kept > 0 && s.start <= list[kept - 1].stop) {
        list[kept - 1].stop = std::max(list[kept - 1].stop, s.stop);
        ++report.merged;
      } else {
        list[kept++] = s;
      }
    }
    list.resize(kept);
  }

  const std::uint64_t followers = options.peers - options.node_offset;  // peers at or above the offset
  const std::uint64_t driven = options.mapping == NodeMapping::kFirst ? std::min<std::uint64_t>(followers, nodes)
                                                                      : followers;
  report.unused_nodes = nodes > followers ? nodes - followers : 0;
  for (std::uint64_t r = 0; r < driven; ++r) {
    const PeerId peer{static_cast<std::uint32_t>(options.node_offset + r)};
    if (options.exempt && options.exempt(peer)) {
      ++report.exempt;
      continue;
    }
    ++report.peers;
    for (const Span& s : spans[r % nodes]) {
      plan.events.push_back({Time{s.start}, peer, FaultAction::kCrash});
      ++report.crashes;
      if (s.stop < options.end.ns) {
        plan.events.push_back({Time{s.stop}, peer, FaultAction::kRestart});
        ++report.restarts;
      }
    }
  }
  return report;
}

}  // namespace p2pgrid::workload
