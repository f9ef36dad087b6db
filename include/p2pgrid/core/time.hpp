#pragma once
/// Simulated time: integer nanoseconds, never floating point, so that every
/// rank and every run computes the same event times bit for bit.

#include <compare>
#include <cstdint>
#include <limits>

namespace p2pgrid {

/// A span of simulated time in nanoseconds.
struct Duration {
  std::int64_t ns = 0;

  static constexpr Duration nanoseconds(std::int64_t v) { return {v}; }
  static constexpr Duration microseconds(std::int64_t v) { return {v * 1'000}; }
  static constexpr Duration milliseconds(std::int64_t v) { return {v * 1'000'000}; }
  static constexpr Duration seconds(std::int64_t v) { return {v * 1'000'000'000}; }
  static constexpr Duration max() { return {std::numeric_limits<std::int64_t>::max()}; }

  [[nodiscard]] constexpr double to_seconds() const { return static_cast<double>(ns) * 1e-9; }

  friend constexpr auto operator<=>(Duration, Duration) = default;
  friend constexpr Duration operator+(Duration a, Duration b) { return {a.ns + b.ns}; }
  friend constexpr Duration operator-(Duration a, Duration b) { return {a.ns - b.ns}; }
  friend constexpr Duration operator*(Duration a, std::int64_t k) { return {a.ns * k}; }
  friend constexpr Duration operator*(std::int64_t k, Duration a) { return {a.ns * k}; }
  friend constexpr Duration operator/(Duration a, std::int64_t k) { return {a.ns / k}; }
  constexpr Duration& operator+=(Duration d) { ns += d.ns; return *this; }
};

/// A point in simulated time: nanoseconds since the start of the run.
struct Time {
  std::int64_t ns = 0;

  static constexpr Time zero() { return {0}; }
  /// Later than any event: "nothing pending".
  static constexpr Time never() { return {std::numeric_limits<std::int64_t>::max()}; }

  [[nodiscard]] constexpr double to_seconds() const { return static_cast<double>(ns) * 1e-9; }

  friend constexpr auto operator<=>(Time, Time) = default;
  friend constexpr Time operator+(Time t, Duration d) { return {t.ns + d.ns}; }
  friend constexpr Time operator-(Time t, Duration d) { return {t.ns - d.ns}; }
  friend constexpr Duration operator-(Time a, Time b) { return {a.ns - b.ns}; }
  constexpr Time& operator+=(Duration d) { ns += d.ns; return *this; }
};

}  // namespace p2pgrid
