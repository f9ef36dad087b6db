#pragma once
/// How a Chord lookup ended: the upcall's status, the `outcome` column of
/// the lookups table and the status byte of a recursive lookup's answer.

#include <cstdint>

namespace p2pgrid::chord {

/// How a lookup ended. The values are the `outcome` column of the lookups
/// table (docs/chord.md), so a failure always carries its reason.
enum class LookupStatus : std::uint8_t {
  kOk = 0,         ///< an owner confirmed the key
  kTimedOut = 1,   ///< more than chord.lookup_timeouts requests went unanswered
  kHopLimit = 2,   ///< Node::kMaxHops peers asked (a routing loop while the ring is inconsistent)
  kNoRoute = 3,    ///< a peer had no route that avoids a dead one
  kNotJoined = 4,  ///< the origin was not (or no longer) on the ring
  kBusy = 5,       ///< the origin already had Node::kMaxPending lookups in flight
};

/// The largest LookupStatus value (the decoder rejects larger ones).
inline constexpr std::uint8_t kMaxLookupStatus = static_cast<std::uint8_t>(LookupStatus::kBusy);

}  // namespace p2pgrid::chord
