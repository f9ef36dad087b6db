#pragma once
/// One data line of a text trace file (SWF job logs, FTA availability
/// tables) split into fields, with number parsers whose errors name the
/// file, the line and the field: "jobs.swf:17: field run_time: 'abc' is not
/// a number". Trace files are user input, so every reader reports the first
/// thing it cannot read instead of guessing.

#include <cstdint>
#include <stdexcept>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace p2pgrid::workload {

/// A trace file that cannot be read; the message is "FILE:LINE: field NAME:
/// reason", or "FILE: reason" for problems of the whole file.
class TraceFileError : public std::runtime_error {
 public:
  TraceFileError(const std::string& file, std::uint64_t line, std::string_view field, const std::string& reason);
  TraceFileError(const std::string& file, const std::string& reason);
};

/// Longest line a trace reader takes: real SWF and FTA lines are under 200
/// bytes; a file that is one huge line is refused before it is held whole.
inline constexpr std::size_t kMaxTraceLineBytes = std::size_t{1} << 16;

/// std::getline, but a line longer than kMaxTraceLineBytes throws
/// TraceFileError naming `file` and the line (`line_no` lines came before).
bool read_trace_line(std::istream& in, std::string& out, const std::string& file, std::uint64_t line_no);

/// Fields separated by runs of spaces and tabs (SWF).
void split_whitespace(std::string_view line, std::vector<std::string_view>& fields);
/// Fields separated by single tabs, empty fields kept (tab-separated tables).
void split_tabs(std::string_view line, std::vector<std::string_view>& fields);
/// TEXT in single quotes, for messages.
std::string quote(std::string_view text);
/// The line without a trailing '\r' (files written on Windows) and without
/// leading and trailing spaces and tabs.
std::string_view trim(std::string_view line);

class TraceLine {
 public:
  TraceLine(const std::string& file, std::uint64_t line, const std::vector<std::string_view>& fields)
      : file_(&file), line_(line), fields_(&fields) {}

  [[nodiscard]] std::uint64_t line() const { return line_; }
  [[nodiscard]] std::size_t size() const { return fields_->size(); }
  [[nodiscard]] std::string_view text(std::size_t i) const { return (*fields_)[i]; }

  /// Field i as a finite decimal number: "12", "007", "-1", "1.5", "2e3"
  /// (one leading '+' allowed). Throws TraceFileError otherwise.
  [[nodiscard]] double number(std::size_t i, std::string_view name) const;
  /// True if field i is written as a float ("12.0", "1e3"), not as an integer.
  [[nodiscard]] bool float_notation(std::size_t i) const;

  [[noreturn]] void fail(std::string_view field, const std::string& reason) const;

 private:
  const std::string* file_;
  std::uint64_t line_;
  const std::vector<std::string_view>* fields_;
};

}  // namespace p2pgrid::workload
