#pragma once
/// Chord's messages as values, one struct per type, and their versioned
/// wire encoding. Every message starts with Writer::header(ProtocolId::kChord,
/// type); integers are little-endian and fixed-width (p2pgrid/core/codec.hpp).
///
/// Each struct declares its fields once (fields(), p2pgrid/core/fields.hpp);
/// the encoder, the decoder and docs/messages.md are derived from it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/overlay/chord/lookup_status.hpp"
#include "p2pgrid/overlay/chord/successor_list.hpp"

namespace p2pgrid::chord {

/// Largest encoded message; handlers encode into a stack buffer this big.
inline constexpr std::size_t kMaxMessageSize = 512;
/// Largest application payload route() carries.
inline constexpr std::size_t kMaxRoutePayload = kMaxMessageSize - 32;

enum class MessageType : std::uint8_t {
  kFindNext = 1,
  kFindNextReply = 2,
  kGetPredecessor = 3,
  kPredecessorReply = 4,
  kNotify = 5,
  kPing = 6,
  kPong = 7,
  kLeavingPredecessor = 8,
  kLeavingSuccessor = 9,
  kRoute = 10,
  kConfirmOwner = 11,
  kOwnerReply = 12,
  kSuccessorHint = 13,
  kFindSuccessor = 14,
  kSuccessorFound = 15,
};

/// Iterative lookup step (ToN Fig. 5, find_successor asked remotely): "is
/// `key` between you and your successor? If not, name your closest node
/// preceding it" -- and, when `bound` is set, preceding `bound` too: the
/// origin found `bound` dead and asks for the next best route.
struct FindNext {
  static constexpr MessageType kType = MessageType::kFindNext;
  std::uint32_t nonce = 0;
  RingId key = 0;
  PeerId bound;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("key", s.key);
    v("bound", s.bound, PeerCheck::kExistingOrNone);
  }
};
/// done: `node` is the key's successor; otherwise `node` is the next hop
/// (none: the asked peer has no route that avoids the bound, or, asked
/// without a bound, is not on the ring).
struct FindNextReply {
  static constexpr MessageType kType = MessageType::kFindNextReply;
  std::uint32_t nonce = 0;
  bool done = false;
  PeerId node;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("done", s.done);
    v("node", s.node, PeerCheck::kExistingOrNone);
    v.require("node", !s.done || s.node.valid(), [] { return std::string("peer id is 'none'"); });
  }
};
/// stabilize (ToN Fig. 6): "who is your predecessor, and your successors?"
struct GetPredecessor {
  static constexpr MessageType kType = MessageType::kGetPredecessor;
  std::uint32_t nonce = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
  }
};
struct PredecessorReply {
  static constexpr MessageType kType = MessageType::kPredecessorReply;
  std::uint32_t nonce = 0;
  PeerId predecessor;
  std::uint8_t count = 0;
  std::array<PeerId, SuccessorList::kMax> successors{};
  [[nodiscard]] std::span<const PeerId> list() const { return {successors.data(), count}; }
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("predecessor", s.predecessor, PeerCheck::kExistingOrNone);
    v.list("count", s.count, "successor", s.successors, PeerCheck::kExisting);
  }
};
/// notify (ToN Fig. 6): "I think I might be your predecessor."
struct Notify {
  static constexpr MessageType kType = MessageType::kNotify;
  template <class S, class V>
  static void fields(S& /*s*/, V& /*v*/) {}
};
/// check_predecessor's liveness probe and its answer.
struct Ping {
  static constexpr MessageType kType = MessageType::kPing;
  std::uint32_t nonce = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
  }
};
struct Pong {
  static constexpr MessageType kType = MessageType::kPong;
  std::uint32_t nonce = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
  }
};
/// Graceful leave (ToN section IV-E.4): the leaving peer tells its successor
/// who its new predecessor is...
struct LeavingPredecessor {
  static constexpr MessageType kType = MessageType::kLeavingPredecessor;
  PeerId predecessor;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("predecessor", s.predecessor, PeerCheck::kExistingOrNone);
  }
};
/// ...and its predecessor who its successors are.
struct LeavingSuccessor {
  static constexpr MessageType kType = MessageType::kLeavingSuccessor;
  std::uint8_t count = 0;
  std::array<PeerId, SuccessorList::kMax> successors{};
  [[nodiscard]] std::span<const PeerId> list() const { return {successors.data(), count}; }
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("count", s.count, "successor", s.successors, PeerCheck::kExisting);
  }
};
/// An application payload routed recursively to the key's successor;
/// `deliver` is set on the last hop (the sender found the key between
/// itself and its successor). `payload` views the received bytes (valid
/// during the handler only).
struct Route {
  static constexpr MessageType kType = MessageType::kRoute;
  RingId key = 0;
  std::uint32_t hops = 0;
  bool deliver = false;
  std::span<const std::byte> payload;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("key", s.key);
    v("hops", s.hops);
    v("deliver", s.deliver);
    v.template bytes<std::uint32_t>("payload_size", "payload", s.payload, kMaxRoutePayload);
  }
};

/// The last step of a lookup: "do you own `key`?" The claimed owner checks
/// the key against (its predecessor, itself], so a dead owner (timeout) or
/// one that a newer peer now precedes is caught before the answer counts.
struct ConfirmOwner {
  static constexpr MessageType kType = MessageType::kConfirmOwner;
  std::uint32_t nonce = 0;
  RingId key = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("key", s.key);
  }
};
/// mine, or not: then `predecessor` is closer to the key. When mine,
/// `predecessor` is the owner's predecessor (a joining peer takes it as its
/// own). Not mine and no predecessor: the asked peer is not on the ring.
struct OwnerReply {
  static constexpr MessageType kType = MessageType::kOwnerReply;
  std::uint32_t nonce = 0;
  bool mine = false;
  PeerId predecessor;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("mine", s.mine);
    v("predecessor", s.predecessor, PeerCheck::kExistingOrNone);
  }
};
/// "`peer` may be your successor": sent by a peer that has just joined to
/// the predecessor its successor named, and by a peer whose predecessor
/// changed to the old predecessor. The receiver adopts `peer` only if it
/// lies between itself and its successor, then stabilizes with it at once.
struct SuccessorHint {
  static constexpr MessageType kType = MessageType::kSuccessorHint;
  PeerId peer;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("peer", s.peer, PeerCheck::kExisting);
  }
};
/// A recursive lookup (chord.lookups = "recursive", as SimGrid's example):
/// each peer forwards it to its closest preceding node; the key's
/// predecessor answers `origin` directly with SuccessorFound.
struct FindSuccessor {
  static constexpr MessageType kType = MessageType::kFindSuccessor;
  std::uint32_t nonce = 0;
  RingId key = 0;
  PeerId origin;
  std::uint32_t hops = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("key", s.key);
    v("origin", s.origin, PeerCheck::kExisting);
    v("hops", s.hops);
  }
};
/// The answer to FindSuccessor; `status` is a LookupStatus (0: `owner` is
/// the key's successor; else `owner` is none and the lookup failed).
struct SuccessorFound {
  static constexpr MessageType kType = MessageType::kSuccessorFound;
  std::uint32_t nonce = 0;
  PeerId owner;
  std::uint32_t hops = 0;
  std::uint8_t status = 0;
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("nonce", s.nonce);
    v("owner", s.owner, PeerCheck::kExistingOrNone);
    v("hops", s.hops);
    v("status", s.status);
    v.require("status", s.status <= kMaxLookupStatus,
              [&] { return "unknown lookup status " + std::to_string(s.status); });
    // An answer names a peer exactly when it succeeded.
    v.require("owner", (s.status == 0) == s.owner.valid(),
              [&] { return std::string(s.status == 0 ? "peer id is 'none'" : "a failed lookup names a peer"); });
  }
};

using Message =
    std::variant<FindNext, FindNextReply, GetPredecessor, PredecessorReply, Notify, Ping, Pong, LeavingPredecessor,
                 LeavingSuccessor, Route, ConfirmOwner, OwnerReply, SuccessorHint, FindSuccessor, SuccessorFound>;

/// Encodes into `buffer` (at least kMaxMessageSize bytes for any message);
/// returns the encoded prefix. Throws EncodeError if it does not fit.
std::span<const std::byte> encode(const Message& message, std::span<std::byte> buffer);

/// Decodes one message. Peer ids must be below `peers` (or "none" where a
/// field allows it). Throws DecodeError naming the field on truncated,
/// oversized or malformed input; never reads past the end.
Message decode(std::span<const std::byte> bytes, std::uint32_t peers);

}  // namespace p2pgrid::chord
