#pragma once
/// The RN-Tree matchmaker's messages (ProtocolId::kMatch). docs/rntree.md
/// says who sends each one when.

#include <array>
#include <cstdint>
#include <span>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/grid/job_profile.hpp"
#include "p2pgrid/match/rntree_children.hpp"

namespace p2pgrid::match::rntree {

/// Children a node lists in one ExploreReply (the best ones, if more qualify).
inline constexpr std::size_t kMaxReplyChildren = 128;

/// Message type bytes (after the protocol id and version).
enum class MessageType : std::uint8_t {
  kSummary = 1,
  kSummaryAck = 2,
  kWalk = 3,
  kExplore = 4,
  kExploreReply = 5,
  kFound = 6,
};

/// Child -> parent, every aggregation period: my subtree.
struct Summary {
  static constexpr MessageType kType = MessageType::kSummary;
  SubtreeSummary summary;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("summary", s.summary);
  }
};
/// Parent -> child: summary received (a parent that stops acknowledging is
/// presumed dead and avoided).
struct SummaryAck {
  static constexpr MessageType kType = MessageType::kSummaryAck;
  template <class S, class V>
  static void fields(S& /*s*/, V& /*v*/) {}
};
/// Owner -> ... -> search origin: one step of the limited random walk.
struct Walk {
  static constexpr MessageType kType = MessageType::kWalk;
  PeerId owner;
  std::uint32_t owner_nonce = 0;  ///< names the owner's wait for the answer
  std::uint64_t job = 0;
  std::uint32_t attempt = 0;
  grid::Resources requirements{};
  std::uint32_t steps_left = 0;   ///< further hops after this one
  std::uint32_t hops = 0;         ///< walk hops so far (cost)
  std::uint32_t budget = 0;       ///< nodes the search may ask (the owner's round decides it)

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("owner", s.owner);
    v("owner_nonce", s.owner_nonce);
    v("job", s.job);
    v("attempt", s.attempt);
    v("requirements", s.requirements);
    v("steps_left", s.steps_left);
    v("hops", s.hops);
    v("budget", s.budget);
  }
};
/// Search origin -> a tree node: tell me about yourself and your children
/// that may satisfy `requirements`, except `exclude`.
struct Explore {
  static constexpr MessageType kType = MessageType::kExplore;
  std::uint32_t nonce = 0;
  grid::Resources requirements{};
  PeerId exclude;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("requirements", s.requirements);
    v("exclude", s.exclude);
  }
};
/// Tree node -> search origin.
struct ExploreReply {
  static constexpr MessageType kType = MessageType::kExploreReply;
  std::uint32_t nonce = 0;
  grid::Resources capabilities{};
  std::uint32_t queue = 0;
  PeerId parent;
  std::uint32_t count = 0;
  std::array<ChildRef, kMaxReplyChildren> children{};

  [[nodiscard]] std::span<const ChildRef> listed() const { return {children.data(), count}; }

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("capabilities", s.capabilities);
    v("queue", s.queue);
    v("parent", s.parent);
    v.list("count", s.count, "child", s.children);
  }
};
/// Search origin -> owner (after a walk): the search's outcome and cost.
struct Found {
  static constexpr MessageType kType = MessageType::kFound;
  std::uint32_t owner_nonce = 0;
  std::uint64_t job = 0;
  std::uint32_t attempt = 0;
  PeerId winner;  ///< none: no capable node found
  std::uint32_t hops = 0;
  std::uint32_t messages = 0;  ///< including this one
  /// No winner, and the search reached every subtree whose maxima could
  /// satisfy the job without a node failing to answer: none can.
  bool covered = false;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("owner_nonce", s.owner_nonce);
    v("job", s.job);
    v("attempt", s.attempt);
    v("winner", s.winner);
    v("hops", s.hops);
    v("messages", s.messages);
    v("covered", s.covered);
  }
};

using Message = std::variant<Summary, SummaryAck, Walk, Explore, ExploreReply, Found>;

/// Largest encoded message (an ExploreReply with every child slot used).
inline constexpr std::size_t kMaxMessageSize = 3 + 4 + 4 * grid::kResources + 4 + 4 + 4 + 8 * kMaxReplyChildren;

std::span<const std::byte> encode(const Message& m, std::span<std::byte, kMaxMessageSize> buffer);
/// Throws DecodeError on anything malformed (truncated, trailing bytes,
/// unknown type, too many children).
Message decode(std::span<const std::byte> bytes);

}  // namespace p2pgrid::match::rntree
