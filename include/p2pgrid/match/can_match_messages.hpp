#pragma once
/// The CAN matchmakers' wire format (ProtocolId::kMatch; layouts in
/// docs/can-match.md). A job leaves its owner only when the owner hands
/// the decision on (no candidate: Forward to a more capable zone; can-push:
/// Forward up a lighter line); the peer that decides answers the owner
/// with a Result. can-push peers also exchange line aggregates.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/match/can_push_aggregates.hpp"

namespace p2pgrid::match::canmatch {

/// Message type bytes. Types 1-6 are the RN-Tree's and the central
/// server's; the CAN matchmakers never share a run with them, but distinct
/// types make a stray message a clear DecodeError rather than a misread.
enum class MessageType : std::uint8_t { kForward = 16, kResult = 17, kAggregate = 18 };

/// A decider hands the job to the next one.
struct Forward {
  static constexpr MessageType kType = MessageType::kForward;
  grid::JobProfile profile;
  PeerId owner;
  std::uint32_t owner_nonce = 0;  ///< names the owner's wait for the Result
  std::uint16_t hops = 0;         ///< Forwards so far, this one included
  std::uint8_t forwards = 0;      ///< of which for want of a candidate
  std::uint8_t pushes = 0;        ///< of which pushes
  std::uint8_t round = 0;         ///< the owner's matching round (escalation), capped at 255

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("profile", s.profile);
    v("owner", s.owner);
    v("owner_nonce", s.owner_nonce);
    v("hops", s.hops);
    v("forwards", s.forwards);
    v("pushes", s.pushes);
    v("round", s.round);
  }
};

/// The decider -> the owner: the run node (none: nothing found).
struct Result {
  static constexpr MessageType kType = MessageType::kResult;
  std::uint32_t owner_nonce = 0;
  std::uint64_t job = 0;
  std::uint32_t attempt = 0;
  PeerId node;
  std::uint32_t hops = 0;
  std::uint32_t messages = 0;  ///< Forwards and this Result
  bool unmatchable = false;    ///< no node can satisfy the job (it lies outside the space)
  friend bool operator==(const Result&, const Result&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("owner_nonce", s.owner_nonce);
    v("job", s.job);
    v("attempt", s.attempt);
    v("node", s.node);
    v("hops", s.hops);
    v("messages", s.messages);
    v("unmatchable", s.unmatchable);
  }
};

/// can-push: the sender's line aggregate in each real dimension, to the
/// neighbours whose designated upper it is.
struct Aggregate {
  static constexpr MessageType kType = MessageType::kAggregate;
  std::array<LineAggregate, grid::kResources> lines{};
  friend bool operator==(const Aggregate&, const Aggregate&) = default;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("lines", s.lines);
  }
};

using Message = std::variant<Forward, Result, Aggregate>;

inline constexpr std::size_t kMaxMessageSize = 3 + grid::JobProfile::kEncodedSize + 4 + 4 + 2 + 1 + 1 + 1;

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer);
/// Throws DecodeError naming the field for truncated, trailing or unknown input.
Message decode(std::span<const std::byte> bytes);

}  // namespace p2pgrid::match::canmatch
