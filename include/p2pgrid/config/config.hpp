#pragma once
/// Scenario configuration. Each field is declared once (key, type, default,
/// unit, range, help) in a Schema; the same declaration validates TOML files
/// and `--set key=value` overrides, prints the resolved config and documents
/// it. Anything unknown, mistyped or out of range is rejected before a run
/// starts, with the file, the key and the reason.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class ValueKind : std::uint8_t { kInt, kFloat, kBool, kString, kDuration, kIntList };

using Value = std::variant<std::int64_t, double, bool, std::string, Duration, std::vector<std::int64_t>>;

struct FieldSpec {
  std::string key;  ///< dotted: "network.min_latency"
  ValueKind kind;
  Value default_value;
  std::string unit;
  std::string help;
  std::optional<double> min;                 ///< numbers and durations (in seconds)
  std::optional<double> max;
  std::vector<std::string> choices;          ///< strings: allowed values, if any
};

/// A list of tables (`[[faults]]`): each entry has its own fields.
struct ListSpec {
  std::string key;
  std::string help;
  std::vector<FieldSpec> fields;  ///< keys relative to the entry
};

/// Limits that keep hostile config files cheap: toml++ recurses once per
/// key level and overflows the stack on keys nested some 50,000 deep.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;
inline constexpr int kMaxKeyDepth = 16;

class Schema {
 public:
  /// `owner` names what the key configures ("the CAN overlay"); a scenario
  /// that sets the key while not using its owner is rejected. Empty: every
  /// scenario uses it.
  Schema& field(FieldSpec spec, std::string owner = {});
  Schema& list(ListSpec spec);

  [[nodiscard]] const FieldSpec* find(std::string_view key) const;
  [[nodiscard]] const ListSpec* find_list(std::string_view key) const;
  [[nodiscard]] const std::vector<FieldSpec>& fields() const { return fields_; }
  [[nodiscard]] const std::vector<ListSpec>& lists() const { return lists_; }
  [[nodiscard]] const std::string& owner(std::string_view key) const;
  /// The closest known key, for "did you mean" (empty if nothing is close).
  [[nodiscard]] std::string suggest(std::string_view key) const;
  /// Markdown table of every field, for docs/configuration.md.
  [[nodiscard]] std::string markdown() const;

 private:
  std::vector<FieldSpec> fields_;
  std::vector<std::string> owners_;  ///< parallel to fields_
  std::vector<ListSpec> lists_;
};

/// One entry of a list section, values resolved against its ListSpec.
using ListEntry = std::map<std::string, Value, std::less<>>;

/// A validated configuration: every schema field has a value.
class Config {
 public:
  /// Defaults only.
  explicit Config(const Schema& schema);
  /// Parses and validates a TOML file, then applies `key=value` overrides.
  static Config load(const Schema& schema, const std::string& path, const std::vector<std::string>& overrides = {});
  /// Same, from TOML text (`origin` names it in errors).
  static Config parse(const Schema& schema, std::string_view toml, const std::string& origin,
                      const std::vector<std::string>& overrides = {});

  [[nodiscard]] std::int64_t integer(std::string_view key) const;
  [[nodiscard]] double number(std::string_view key) const;  ///< floats, or ints widened
  [[nodiscard]] bool boolean(std::string_view key) const;
  [[nodiscard]] const std::string& text(std::string_view key) const;
  [[nodiscard]] Duration duration(std::string_view key) const;
  [[nodiscard]] const std::vector<std::int64_t>& integers(std::string_view key) const;
  [[nodiscard]] const std::vector<ListEntry>& entries(std::string_view list_key) const;
  /// Any field's value, of the kind its FieldSpec declares.
  [[nodiscard]] const Value& value(std::string_view key) const;
  /// Keys the file or --set gave a value (not defaults), with where: "file.toml:12" or "--set".
  [[nodiscard]] const std::map<std::string, std::string, std::less<>>& explicit_keys() const { return set_at_; }

  /// The resolved configuration as TOML (every field, defaults included).
  [[nodiscard]] std::string to_toml() const;
  [[nodiscard]] const std::string& origin() const { return origin_; }
  [[nodiscard]] const Schema& schema() const { return *schema_; }

  /// Applies one `key=value` override (value in TOML syntax; bare words are strings).
  void set(const std::string& assignment, const std::string& origin);

 private:
  const Value& at(std::string_view key, ValueKind kind) const;

  const Schema* schema_;
  std::map<std::string, Value, std::less<>> values_;
  std::map<std::string, std::vector<ListEntry>, std::less<>> lists_;
  std::map<std::string, std::string, std::less<>> set_at_;
  std::string origin_;
};

/// Parses "10ms", "1.5s", "2min", "1h", "250us", "100ns" (a number and a
/// unit); throws std::invalid_argument with the reason.
Duration parse_duration(std::string_view text);
/// The shortest exact rendering of a duration ("1500ms", "30s").
std::string format_duration(Duration d);

}  // namespace p2pgrid
