#include "p2pgrid/workload/trace_line.hpp"

#include <charconv>
#include <cmath>

namespace p2pgrid::workload {

TraceFileError::TraceFileError(const std::string& file, std::uint64_t line, std::string_view field,
                               const std::string& reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ": field " + std::string(field) + ": " + reason) {}

TraceFileError::TraceFileError(const std::string& file, const std::string& reason)
    : std::runtime_error(file + ": " + reason) {}

namespace {
constexpr bool is_blank(char c) { return c == ' ' || c == '\t'; }
}  // namespace

bool read_trace_line(std::istream& in, std::string& out, const std::string& file, std::uint64_t line_no) {
  out.clear();
  std::streambuf* buf = in.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (out.empty()) in.setstate(std::ios::eofbit);
      return !out.empty();
    }
    if (c == '\n') return true;
    if (out.size() == kMaxTraceLineBytes) {
      throw TraceFileError(file, "line " + std::to_string(line_no + 1) + " is longer than " +
                                     std::to_string(kMaxTraceLineBytes) + " bytes (not a trace table?)");
    }
    out.push_back(static_cast<char>(c));
  }
}

void split_whitespace(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t begin = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > begin) fields.push_back(line.substr(begin, i - begin));
  }
}

void split_tabs(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  std::size_t begin = 0;
  while (true) {
    const std::size_t tab = line.find('\t', begin);
    if (tab == std::string_view::npos) {
      fields.push_back(trim(line.substr(begin)));
      return;
    }
    fields.push_back(trim(line.substr(begin, tab - begin)));
    begin = tab + 1;
  }
}

std::string_view trim(std::string_view line) {
  while (!line.empty() && (is_blank(line.back()) || line.back() == '\r')) line.remove_suffix(1);
  while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
  return line;
}

std::string quote(std::string_view text) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive)
  // on "'" + std::string(text) at -O2.
  std::string q;
  q.reserve(text.size() + 2);
  q += '\'';
  q += text;
  q += '\'';
  return q;
}

double TraceLine::number(std::size_t i, std::string_view name) const {
  std::string_view t = text(i);
  if (t.empty()) fail(name, "empty (expected a number)");
  std::string_view digits = t;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
    if (!digits.empty() && digits.front() == '-') digits = {};  // "+-5": not a number
  }
  double v = 0;
  // from_chars(general) reads plain decimal and exponent notation only: no
  // hex, no locale, and "007" is seven, never octal.
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) fail(name, quote(t) + " is out of range");
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
    fail(name, quote(t) + " is not a number");
  }
  if (!std::isfinite(v)) fail(name, quote(t) + " is not a finite number");
  return v;
}

bool TraceLine::float_notation(std::size_t i) const {
  return text(i).find_first_of(".eE") != std::string_view::npos;
}

void TraceLine::fail(std::string_view field, const std::string& reason) const {
  throw TraceFileError(*file_, line_, field, reason);
}

}  // namespace p2pgrid::workload
