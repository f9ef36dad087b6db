#include "p2pgrid/config/config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace p2pgrid {
namespace {

std::string_view kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::kInt: return "an integer";
    case ValueKind::kFloat: return "a number";
    case ValueKind::kBool: return "true or false";
    case ValueKind::kString: return "a string";
    case ValueKind::kDuration: return "a duration string such as \"30s\" or \"10ms\"";
    case ValueKind::kIntList: return "an array of integers";
  }
  return "?";
}

std::string_view toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string where(const std::string& origin, const toml::node& n) {
  const auto& src = n.source();
  if (src.begin.line == 0) return origin;
  return origin + ":" + std::to_string(src.begin.line);
}

std::string number_text(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

void check_range(const FieldSpec& spec, double v, const std::string& loc, const std::string& shown) {
  if (spec.min && v < *spec.min) {
    throw ConfigError(loc + ": key '" + spec.key + "': " + shown + " is below the minimum " + number_text(*spec.min) +
                      (spec.unit.empty() ? "" : " " + spec.unit));
  }
  if (spec.max && v > *spec.max) {
    throw ConfigError(loc + ": key '" + spec.key + "': " + shown + " is above the maximum " + number_text(*spec.max) +
                      (spec.unit.empty() ? "" : " " + spec.unit));
  }
}

/// Converts one TOML value to the field's kind, or throws naming the key.
Value convert(const FieldSpec& spec, const toml::node& n, const std::string& loc) {
  auto wrong = [&]() -> ConfigError {
    return ConfigError(loc + ": key '" + spec.key + "': expected " + std::string(kind_name(spec.kind)) + ", got " +
                       std::string(toml_type_name(n)));
  };
  switch (spec.kind) {
    case ValueKind::kInt: {
      if (!n.is_integer()) throw wrong();
      const std::int64_t v = n.as_integer()->get();
      check_range(spec, static_cast<double>(v), loc, std::to_string(v));
      return v;
    }
    case ValueKind::kFloat: {
      double v = 0;
      if (n.is_integer()) {
        v = static_cast<double>(n.as_integer()->get());
      } else if (n.is_floating_point()) {
        v = n.as_floating_point()->get();
      } else {
        throw wrong();
      }
      if (!std::isfinite(v)) throw ConfigError(loc + ": key '" + spec.key + "': must be finite");
      check_range(spec, v, loc, number_text(v));
      return v;
    }
    case ValueKind::kBool:
      if (!n.is_boolean()) throw wrong();
      return n.as_boolean()->get();
    case ValueKind::kString: {
      if (!n.is_string()) throw wrong();
      std::string v = n.as_string()->get();
      if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), v) == spec.choices.end()) {
        std::string all;
        for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
        throw ConfigError(loc + ": key '" + spec.key + "': '" + v + "' is not one of: " + all);
      }
      return v;
    }
    case ValueKind::kDuration: {
      if (!n.is_string()) throw wrong();
      Duration d;
      try {
        d = parse_duration(n.as_string()->get());
      } catch (const std::invalid_argument& e) {
        throw ConfigError(loc + ": key '" + spec.key + "': " + e.what());
      }
      check_range(spec, d.to_seconds(), loc, format_duration(d));
      return d;
    }
    case ValueKind::kIntList: {
      if (!n.is_array()) throw wrong();
      std::vector<std::int64_t> out;
      for (const auto& item : *n.as_array()) {
        if (!item.is_integer()) {
          throw ConfigError(loc + ": key '" + spec.key + "': expected an array of integers, found " +
                            std::string(toml_type_name(item)));
        }
        const std::int64_t v = item.as_integer()->get();
        check_range(spec, static_cast<double>(v), loc, std::to_string(v));
        out.push_back(v);
      }
      return out;
    }
  }
  throw wrong();
}

/// A TOML basic string: quotes, backslashes and control bytes escaped.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[(c >> 4) & 0xF];
      out += kHex[c & 0xF];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string render(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          // Shortest text that reads back as the same double: 0.4, not 0.40000000000000002.
          std::array<char, 32> buffer{};
          const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), x).ptr;
          std::string s(buffer.data(), end);
          if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
          return s;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return quote(x);
        } else if constexpr (std::is_same_v<T, Duration>) {
          return quote(format_duration(x));
        } else {
          std::string s = "[";
          for (std::size_t i = 0; i < x.size(); ++i) s += (i ? ", " : "") + std::to_string(x[i]);
          return s + "]";
        }
      },
      v);
}

/// Rejects, before toml++ sees it, a file that is too large or nests keys
/// deeper than any schema needs. A lexical scan: dots outside strings and
/// comments are key separators, except between digits after the '=' of a
/// line (a float or a time of day).
void check_shape(std::string_view text, const std::string& origin) {
  if (text.size() > kMaxConfigBytes) {
    throw ConfigError(origin + ": the file is " + std::to_string(text.size()) + " bytes; a scenario may be at most " +
                      std::to_string(kMaxConfigBytes) + " bytes");
  }
  enum class In : std::uint8_t { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  In in = In::kCode;
  std::size_t line = 1;
  int dots = 0;
  bool key_part = true;
  const auto digit = [&](std::size_t i) { return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto starts = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
    if (c == '\n') {
      ++line;
      dots = 0;
      key_part = true;
      if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kCode;
      continue;
    }
    switch (in) {
      case In::kComment: continue;
      case In::kBasic:
        if (c == '\\') ++i;
        else if (c == '"') in = In::kCode;
        continue;
      case In::kLiteral:
        if (c == '\'') in = In::kCode;
        continue;
      case In::kMultiBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') ++i;
        else if (starts(R"(""")")) {
          in = In::kCode;
          i += 2;
        }
        continue;
      case In::kMultiLiteral:
        if (starts("'''")) {
          in = In::kCode;
          i += 2;
        }
        continue;
      case In::kCode: break;
    }
    if (c == '#') {
      in = In::kComment;
    } else if (starts(R"(""")")) {
      in = In::kMultiBasic;
      i += 2;
    } else if (starts("'''")) {
      in = In::kMultiLiteral;
      i += 2;
    } else if (c == '"') {
      in = In::kBasic;
    } else if (c == '\'') {
      in = In::kLiteral;
    } else if (c == '=') {
      key_part = false;
    } else if (c == '.' && (key_part || !(i > 0 && digit(i - 1) && digit(i + 1)))) {
      if (++dots >= kMaxKeyDepth) {
        throw ConfigError(origin + ":" + std::to_string(line) + ": keys or tables nested deeper than " +
                          std::to_string(kMaxKeyDepth) + " levels (a scenario uses at most 3)");
      }
    }
  }
}

bool integer_literal(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (!v.empty() && (v.front() == '+' || v.front() == '-')) v.remove_prefix(1);
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

// --- Duration text -------------------------------------------------------

Duration parse_duration(std::string_view text) {
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"ns", 1}, {"us", 1'000}, {"ms", 1'000'000}, {"s", 1'000'000'000}, {"min", 60'000'000'000},
      {"h", 3'600'000'000'000}};
  const std::string shown(text.substr(0, 64));
  const auto is_digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  std::size_t i = 0;
  std::string digits;  // the mantissa's digits, the decimal point dropped
  std::size_t whole_digits = 0;
  bool dot = false;
  for (; i < text.size() && (is_digit(text[i]) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (dot) throw std::invalid_argument("'" + shown + "' is not a number followed by a unit");
      dot = true;
    } else {
      digits += text[i];
      if (!dot) ++whole_digits;
    }
  }
  if (i == 0) throw std::invalid_argument("'" + shown + "' is not a duration (e.g. \"30s\")");
  if (digits.empty()) throw std::invalid_argument("'" + shown + "' is not a number followed by a unit");
  // An exponent ("1e3ms", "2.5E-1s"): "1e30s" must read as out of range,
  // not as an unknown unit "e30s".
  std::int64_t exponent = 0;
  if (i + 1 < text.size() && (text[i] == 'e' || text[i] == 'E') &&
      (is_digit(text[i + 1]) || ((text[i + 1] == '-' || text[i + 1] == '+') && i + 2 < text.size() && is_digit(text[i + 2])))) {
    ++i;
    const bool negative = text[i] == '-';
    if (text[i] == '-' || text[i] == '+') ++i;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      exponent = std::min<std::int64_t>(exponent * 10 + (text[i] - '0'), 100'000);
    }
    if (negative) exponent = -exponent;
  }
  std::string_view unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  std::int64_t scale = 0;
  for (const auto& [name, ns] : kUnits) {
    if (unit == name) scale = ns;
  }
  if (scale == 0) throw std::invalid_argument("'" + shown + "' has no valid unit (ns, us, ms, s, min, h)");

  // Exact decimal arithmetic: "1.5s" is 1'500'000'000 ns, never 1.4999...
  // value = digits * 10^power * scale ns, with leading and trailing zeros
  // dropped so the significant digits fit in 64 bits whenever the value does.
  std::int64_t power = exponent - static_cast<std::int64_t>(digits.size() - whole_digits);
  const std::size_t first = std::min(digits.find_first_not_of('0'), digits.size());
  digits.erase(0, first);
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++power;
  }
  if (digits.empty()) return Duration{0};
  const std::string too_long = "'" + shown + "' is out of range (durations are at most 292 years)";
  if (digits.size() > 19) throw std::invalid_argument(too_long);
  __extension__ typedef __int128 Wide;  // 19 digits times the hour's 3.6e12 ns exceed 64 bits
  Wide value = 0;
  for (const char c : digits) value = value * 10 + (c - '0');
  value *= scale;
  constexpr auto kMax = static_cast<Wide>(std::numeric_limits<std::int64_t>::max());
  for (; power > 0; --power) {
    value *= 10;
    if (value > kMax) throw std::invalid_argument(too_long);
  }
  for (; power < 0; ++power) {
    if (value % 10 != 0) {
      throw std::invalid_argument("'" + shown + "' is not a whole number of nanoseconds");
    }
    value /= 10;
  }
  if (value > kMax) throw std::invalid_argument(too_long);
  return Duration{static_cast<std::int64_t>(value)};
}

std::string format_duration(Duration d) {
  static constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"h", 3'600'000'000'000}, {"min", 60'000'000'000}, {"s", 1'000'000'000}, {"ms", 1'000'000}, {"us", 1'000}};
  if (d.ns == 0) return "0s";
  for (const auto& [name, ns] : kUnits) {
    if (d.ns % ns == 0) return std::to_string(d.ns / ns) + std::string(name);
  }
  return std::to_string(d.ns) + "ns";
}

// --- Schema --------------------------------------------------------------

Schema& Schema::field(FieldSpec spec, std::string owner) {
  if (find(spec.key) != nullptr) throw std::logic_error("config key '" + spec.key + "' is declared twice");
  fields_.push_back(std::move(spec));
  owners_.push_back(std::move(owner));
  return *this;
}

const std::string& Schema::owner(std::string_view key) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].key == key) return owners_[i];
  }
  throw std::logic_error("config key '" + std::string(key) + "' is not declared");
}

Schema& Schema::list(ListSpec spec) {
  lists_.push_back(std::move(spec));
  return *this;
}

const FieldSpec* Schema::find(std::string_view key) const {
  for (const auto& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

const ListSpec* Schema::find_list(std::string_view key) const {
  for (const auto& l : lists_) {
    if (l.key == key) return &l;
  }
  return nullptr;
}

std::string Schema::suggest(std::string_view key) const {
  std::string best;
  std::size_t best_d = std::max<std::size_t>(3, key.size() / 3) + 1;
  auto consider = [&](const std::string& candidate) {
    const std::size_t d = edit_distance(key, candidate);
    if (d < best_d) {
      best_d = d;
      best = candidate;
    }
  };
  for (const auto& f : fields_) consider(f.key);
  for (const auto& l : lists_) consider(l.key);
  return best;
}

std::string Schema::markdown() const {
  std::ostringstream os;
  os << "| key | type | default | unit | range | meaning |\n|---|---|---|---|---|---|\n";
  auto row = [&](const FieldSpec& f, const std::string& prefix) {
    std::string range;
    if (f.min) range += ">= " + number_text(*f.min);
    if (f.max) range += std::string(range.empty() ? "" : ", ") + "<= " + number_text(*f.max);
    for (const auto& c : f.choices) range += (range.empty() ? "" : ", ") + ("`" + c + "`");
    os << "| `" << prefix << f.key << "` | " << kind_name(f.kind) << " | `" << render(f.default_value) << "` | "
       << f.unit << " | " << range << " | " << f.help << " |\n";
  };
  for (const auto& f : fields_) row(f, "");
  for (const auto& l : lists_) {
    for (const auto& f : l.fields) row(f, "[[" + l.key + "]].");
  }
  return os.str();
}

// --- Config --------------------------------------------------------------

Config::Config(const Schema& schema) : schema_(&schema), origin_("defaults") {
  for (const auto& f : schema.fields()) values_.emplace(f.key, f.default_value);
  for (const auto& l : schema.lists()) lists_.emplace(l.key, std::vector<ListEntry>{});
}

Config Config::load(const Schema& schema, const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the config file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(schema, text.str(), path, overrides);
}

Config Config::parse(const Schema& schema, std::string_view text, const std::string& origin,
                     const std::vector<std::string>& overrides) {
  Config config(schema);
  config.origin_ = origin;
  check_shape(text, origin);
  toml::table root;
  try {
    root = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    throw ConfigError(origin + ":" + std::to_string(e.source().begin.line) + ":" +
                      std::to_string(e.source().begin.column) + ": TOML syntax error: " +
                      std::string(e.description()));
  }

  // Walk every node; each leaf must be a declared field or a declared list.
  auto walk = [&](auto&& self, const toml::table& table, const std::string& prefix) -> void {
    for (const auto& [k, node] : table) {
      const std::string key = prefix + std::string(k.str());
      if (const ListSpec* list = schema.find_list(key)) {
        if (!node.is_array_of_tables()) {
          throw ConfigError(where(origin, node) + ": key '" + key + "': expected a list of tables ([[" + key + "]])");
        }
        auto& out = config.lists_[key];
        for (const auto& item : *node.as_array()) {
          ListEntry entry;
          for (const auto& f : list->fields) entry.emplace(f.key, f.default_value);
          for (const auto& [ek, ev] : *item.as_table()) {
            const std::string sub(ek.str());
            const auto it = std::find_if(list->fields.begin(), list->fields.end(),
                                         [&](const FieldSpec& f) { return f.key == sub; });
            if (it == list->fields.end()) {
              std::string hint;
              std::size_t best = 3;
              for (const auto& f : list->fields) {
                if (const auto d = edit_distance(sub, f.key); d < best) {
                  best = d;
                  hint = f.key;
                }
              }
              throw ConfigError(where(origin, ev) + ": unknown key '" + sub + "' in [[" + key + "]]" +
                                (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
            }
            FieldSpec qualified = *it;
            qualified.key = key + "." + sub;
            entry[sub] = convert(qualified, ev, where(origin, ev));
          }
          out.push_back(std::move(entry));
        }
        continue;
      }
      if (node.is_table()) {
        self(self, *node.as_table(), key + ".");
        continue;
      }
      const FieldSpec* spec = schema.find(key);
      if (spec == nullptr) {
        const std::string hint = schema.suggest(key);
        throw ConfigError(where(origin, node) + ": unknown key '" + key + "'" +
                          (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
      }
      config.values_[key] = convert(*spec, node, where(origin, node));
      config.set_at_[key] = where(origin, node);
    }
  };
  walk(walk, root, "");
  for (const auto& o : overrides) config.set(o, "--set");
  return config;
}

void Config::set(const std::string& assignment, const std::string& origin) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw ConfigError(origin + " " + assignment + ": expected key=value");
  }
  std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  while (!key.empty() && key.back() == ' ') key.pop_back();
  if (schema_->find_list(key) != nullptr) {
    throw ConfigError(origin + " " + key + ": list sections cannot be set from the command line; edit the file");
  }
  const FieldSpec* spec = schema_->find(key);
  if (spec == nullptr) {
    const std::string hint = schema_->suggest(key);
    throw ConfigError(origin + ": unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
  }
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    parsed = toml::table{{"v", value}};  // a bare word: take it as a string
  }
  if (parsed.size() != 1 || parsed.get("v") == nullptr) parsed = toml::table{{"v", value}};
  if (parsed.get("v")->is_string() && (spec->kind == ValueKind::kInt || spec->kind == ValueKind::kFloat) &&
      integer_literal(value)) {
    // toml++ refuses integers beyond 64 bits; the bare-word fallback would
    // then call the number a string.
    throw ConfigError(origin + ": key '" + key + "': " + value + " is out of range (beyond a 64-bit integer)");
  }
  values_[key] = convert(*spec, *parsed.get("v"), origin);
  set_at_[key] = origin;
}

const Value& Config::at(std::string_view key, ValueKind kind) const {
  const FieldSpec* spec = schema_->find(key);
  if (spec == nullptr) throw std::logic_error("config key '" + std::string(key) + "' is not declared");
  if (spec->kind != kind && !(kind == ValueKind::kFloat && spec->kind == ValueKind::kInt)) {
    throw std::logic_error("config key '" + std::string(key) + "' read as the wrong kind");
  }
  return values_.find(key)->second;
}

std::int64_t Config::integer(std::string_view key) const { return std::get<std::int64_t>(at(key, ValueKind::kInt)); }
double Config::number(std::string_view key) const {
  const Value& v = at(key, ValueKind::kFloat);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}
bool Config::boolean(std::string_view key) const { return std::get<bool>(at(key, ValueKind::kBool)); }
const std::string& Config::text(std::string_view key) const { return std::get<std::string>(at(key, ValueKind::kString)); }
Duration Config::duration(std::string_view key) const { return std::get<Duration>(at(key, ValueKind::kDuration)); }
const std::vector<std::int64_t>& Config::integers(std::string_view key) const {
  return std::get<std::vector<std::int64_t>>(at(key, ValueKind::kIntList));
}
const Value& Config::value(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("config key '" + std::string(key) + "' is not declared");
  return it->second;
}

const std::vector<ListEntry>& Config::entries(std::string_view list_key) const {
  const auto it = lists_.find(list_key);
  if (it == lists_.end()) throw std::logic_error("config list '" + std::string(list_key) + "' is not declared");
  return it->second;
}

std::string Config::to_toml() const {
  // Group dotted keys under [section] headers; a section may be declared in
  // pieces, but TOML allows each header once, so sections keep the order of
  // their first key.
  std::vector<std::string> order;
  std::map<std::string, std::string> body;
  for (const auto& f : schema_->fields()) {
    const auto dot = f.key.rfind('.');
    const std::string sec = dot == std::string::npos ? "" : f.key.substr(0, dot);
    const std::string leaf = dot == std::string::npos ? f.key : f.key.substr(dot + 1);
    if (!body.contains(sec)) order.push_back(sec);
    std::string& text = body[sec];
    text.append(leaf).append(" = ").append(render(values_.find(f.key)->second)).push_back('\n');
  }
  std::ostringstream os;
  for (const auto& sec : order) {
    if (!sec.empty()) os << "\n[" << sec << "]\n";
    os << body[sec];
  }
  for (const auto& l : schema_->lists()) {
    for (const auto& entry : lists_.find(l.key)->second) {
      os << "\n[[" << l.key << "]]\n";
      for (const auto& f : l.fields) os << f.key << " = " << render(entry.find(f.key)->second) << '\n';
    }
  }
  return os.str();
}

}  // namespace p2pgrid
