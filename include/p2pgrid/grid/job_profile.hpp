#pragma once
/// A job as the system carries it: the profile (paper §2: client, minimum
/// resource requirements, input size, run time) plus the identifiers the
/// protocol adds. The profile travels in messages, and is held by both the
/// owner and the run node, so either can rebuild the job if the other dies.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid::grid {

/// Resource types, in this order everywhere (also the CAN dimensions).
inline constexpr std::size_t kResources = 3;
/// CPU speed (MHz), memory (MiB), disk (GiB). For a requirement, 0 means
/// unconstrained.
using Resources = std::array<std::uint32_t, kResources>;
/// The unit of each resource, in Resources order: the one place the trace
/// columns (jobs' minimums, nodes' capabilities, RN-Tree maxima) take it from.
inline constexpr std::array<std::string_view, kResources> kResourceUnits{"MHz", "MiB", "GiB"};

/// A node can run a job if it meets or exceeds every constrained minimum.
constexpr bool satisfies(const Resources& capabilities, const Resources& requirements) {
  for (std::size_t i = 0; i < kResources; ++i) {
    if (capabilities[i] < requirements[i]) return false;
  }
  return true;
}

struct JobProfile {
  std::uint64_t job = 0;        ///< client << 32 | the client's sequence number
  RingId guid = 0;              ///< given by the injection peer; new for each attempt
  PeerId client;
  std::uint32_t attempt = 0;    ///< 0 for the first submission, +1 per resubmission
  Resources requirements{};
  std::uint64_t input_bytes = 0;
  Duration run_time;            ///< nominal run time
  Time submitted;               ///< first submission by the client
  /// Whose job it is: run nodes share their time between users by it
  /// (docs/fairness.md). Several users may submit through one client peer.
  std::uint32_t user = 0;

  static constexpr std::size_t kEncodedSize = 8 + 8 + 4 + 4 + 4 * kResources + 8 + 8 + 8 + 4;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("profile.job", s.job);
    v("profile.guid", s.guid);
    v("profile.client", s.client);
    v("profile.attempt", s.attempt);
    v("profile.requirements", s.requirements);
    v("profile.input_bytes", s.input_bytes);
    v("profile.run_time", s.run_time);
    v.require("profile.run_time", s.run_time.ns >= 0, [] { return std::string("negative run time"); });
    v("profile.submitted", s.submitted);
    v("profile.user", s.user);
  }
};

/// The GUID of one attempt of a job: a hash, as the injection peer would
/// hash the profile, so owners are spread uniformly over the overlay.
constexpr RingId guid_of(std::uint64_t job, std::uint32_t attempt, std::uint64_t salt) {
  return hash_combine(hash_combine(mix64(salt ^ 0x6a6f62ULL), job), attempt);
}

}  // namespace p2pgrid::grid
