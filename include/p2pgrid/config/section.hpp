#pragma once
/// Config keys bound to the members of a settings struct: one declaration
/// per key serves the schema (kind, default, range, help) and the reading of
/// the resolved config into the struct. The default is the member's value in
/// a default-constructed struct, so a key cannot exist without a member that
/// is read, and a default cannot differ between the docs and the code.
///
///   struct PholdSettings { std::uint32_t initial = 1; Duration think{0}; };
///   const Section<PholdSettings> kPhold = Section<PholdSettings>("the PHOLD exercise")
///       .key("phold.initial", "messages each peer injects", opt().max(1e6), &PholdSettings::initial)
///       .key("phold.think", "mean extra hold", {}, &PholdSettings::think);
///   kPhold.declare(schema);                      // builds the schema entries
///   PholdSettings s = kPhold.read(config);       // every bound member set
///
/// A path of several member pointers reaches into nested structs
/// (`&Grid::jobs, &JobModel::clients`). Supported member types: bool, the
/// integer types (their range is intersected with the key's), double,
/// Duration, Time (as a duration from 0), std::string, std::vector<int64_t>,
/// and enums through `choice` with a name for every value.

#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "p2pgrid/config/config.hpp"

namespace p2pgrid {

/// Everything about a key besides its name, help and member, chained:
/// `opt().min(1).max(255)`, `opt().unit("MHz")`, `opt().choices({"a", "b"})`.
struct KeyOptions {
  KeyOptions& min(double v) {
    lo = v;
    return *this;
  }
  KeyOptions& max(double v) {
    hi = v;
    return *this;
  }
  KeyOptions& unit(std::string u) {
    unit_text = std::move(u);
    return *this;
  }
  KeyOptions& choices(std::vector<std::string> c) {
    allowed = std::move(c);
    return *this;
  }

  std::optional<double> lo;  ///< numbers and durations (in seconds)
  std::optional<double> hi;
  std::string unit_text;
  std::vector<std::string> allowed;  ///< strings: allowed values, if any
};
inline KeyOptions opt() { return {}; }

template <class Settings>
class Section {
 public:
  /// `owner` names what the keys configure ("the CAN overlay"); a key set
  /// in a scenario whose protocol does not use its owner is an error.
  explicit Section(std::string owner) : owner_(std::move(owner)) {}

  /// Keys declared after this belong to another owner (e.g. the can-push
  /// keys among the CAN matchmaker's).
  Section&& owned_by(std::string owner) && {
    owner_ = std::move(owner);
    return std::move(*this);
  }

  template <class... Path>
  Section&& key(std::string key, std::string help, KeyOptions options, Path... path) && {
    using M = std::remove_cvref_t<decltype(member(std::declval<Settings&>(), path...))>;
    static_assert(!std::is_enum_v<M>, "enum members are bound with choice()");
    FieldSpec spec{std::move(key), kind_of<M>(), {}, std::move(options.unit_text), std::move(help),
                   options.lo, options.hi, std::move(options.allowed)};
    if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
      // A value the member cannot hold is out of range, not truncated.
      const double lo = static_cast<double>(std::numeric_limits<M>::min());
      const double hi = static_cast<double>(std::numeric_limits<M>::max());
      spec.min = spec.min ? std::max(*spec.min, lo) : lo;
      spec.max = spec.max ? std::min(*spec.max, hi) : hi;
    }
    static const Settings defaults{};  // one per instantiation (and no GCC 12 -Wmaybe-uninitialized on its shared_ptr members)
    spec.default_value = to_value(member(defaults, path...));
    const std::string name = spec.key;
    entries_.push_back({std::move(spec), owner_, [name, path...](Settings& s, const Config& c) {
                          from_value(c.value(name), member(s, path...));
                        }});
    return std::move(*this);
  }

  /// An enum member, written in the config as one of `names`.
  template <class E, class... Path>
  Section&& choice(std::string key, std::string help, std::vector<std::pair<std::string, E>> names, Path... path) && {
    FieldSpec spec{std::move(key), ValueKind::kString, {}, {}, std::move(help), {}, {}, {}};
    static const Settings defaults{};  // one per instantiation (and no GCC 12 -Wmaybe-uninitialized on its shared_ptr members)
    const E fallback = member(defaults, path...);
    for (const auto& [text, value] : names) {
      spec.choices.push_back(text);
      if (value == fallback) spec.default_value = text;
    }
    const std::string name = spec.key;
    entries_.push_back({std::move(spec), owner_, [name, names, path...](Settings& s, const Config& c) {
                          const std::string& text = c.text(name);
                          for (const auto& [t, v] : names) {
                            if (t == text) member(s, path...) = v;
                          }
                        }});
    return std::move(*this);
  }

  /// Adds every key to the schema.
  void declare(Schema& schema) const {
    for (const Entry& e : entries_) schema.field(e.spec, e.owner);
  }

  /// A default-constructed Settings with every bound member set from `config`.
  [[nodiscard]] Settings read(const Config& config) const {
    Settings s{};
    for (const Entry& e : entries_) e.read(s, config);
    return s;
  }

 private:
  struct Entry {
    FieldSpec spec;
    std::string owner;
    std::function<void(Settings&, const Config&)> read;
  };

  template <class T, class... Path>
  static auto& member(T& object, Path... path) {
    return (object .* ... .* path);
  }

  template <class M>
  static constexpr ValueKind kind_of() {
    if constexpr (std::is_same_v<M, bool>) return ValueKind::kBool;
    else if constexpr (std::is_integral_v<M>) return ValueKind::kInt;
    else if constexpr (std::is_floating_point_v<M>) return ValueKind::kFloat;
    else if constexpr (std::is_same_v<M, Duration> || std::is_same_v<M, Time>) return ValueKind::kDuration;
    else if constexpr (std::is_same_v<M, std::string>) return ValueKind::kString;
    else if constexpr (std::is_same_v<M, std::vector<std::int64_t>>) return ValueKind::kIntList;
    else static_assert(sizeof(M) == 0, "no config kind for this member type");
  }

  template <class M>
  static Value to_value(const M& m) {
    if constexpr (std::is_same_v<M, bool>) return m;
    else if constexpr (std::is_integral_v<M>) return static_cast<std::int64_t>(m);
    else if constexpr (std::is_floating_point_v<M>) return static_cast<double>(m);
    else if constexpr (std::is_same_v<M, Time>) return Duration{m.ns};
    else return m;
  }

  template <class M>
  static void from_value(const Value& v, M& m) {
    if constexpr (std::is_same_v<M, bool>) m = std::get<bool>(v);
    else if constexpr (std::is_integral_v<M>) m = static_cast<M>(std::get<std::int64_t>(v));
    else if constexpr (std::is_floating_point_v<M>) {
      // An integer written for a float key stays an integer in the config.
      if (const auto* i = std::get_if<std::int64_t>(&v)) m = static_cast<M>(*i);
      else m = static_cast<M>(std::get<double>(v));
    } else if constexpr (std::is_same_v<M, Time>) m = Time{std::get<Duration>(v).ns};
    else m = std::get<M>(v);
  }

  std::string owner_;
  std::vector<Entry> entries_;
};

}  // namespace p2pgrid
