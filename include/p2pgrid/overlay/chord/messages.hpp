#pragma once
/// Chord's messages as values, one struct per type, and their versioned
/// wire encoding. Every message starts with Writer::header(ProtocolId::kChord,
/// type); integers are little-endian and fixed-width (p2pgrid/core/codec.hpp).
///
/// Layouts after the 3-byte header (bytes):
///   1 FindNext        nonce u32, key u64, bound u32            (16)
///   2 FindNextReply   nonce u32, done u8, node u32             (9)
///   3 GetPredecessor  nonce u32                                (4)
///   4 PredecessorReply nonce u32, predecessor u32, n u8, n x successor u32
///   5 Notify          (empty)
///   6 Ping            nonce u32
///   7 Pong            nonce u32
///   8 LeavingPredecessor  predecessor u32   (to the successor of a leaving peer)
///   9 LeavingSuccessor    n u8, n x successor u32 (to its predecessor)
///  10 Route           key u64, hops u32, deliver u8, n u32, n payload bytes
///  11 ConfirmOwner    nonce u32, key u64
///  12 OwnerReply      nonce u32, mine u8, predecessor u32
///  13 SuccessorHint   peer u32
///  14 FindSuccessor   nonce u32, key u64, origin u32, hops u32   (recursive lookups)
///  15 SuccessorFound  nonce u32, owner u32, hops u32, status u8

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "p2pgrid/core/codec.hpp"
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
  std::uint32_t nonce = 0;
  RingId key = 0;
  PeerId bound;
};
/// done: `node` is the key's successor; otherwise `node` is the next hop
/// (none: the asked peer has no route that avoids the bound, or, asked
/// without a bound, is not on the ring).
struct FindNextReply {
  std::uint32_t nonce = 0;
  bool done = false;
  PeerId node;
};
/// stabilize (ToN Fig. 6): "who is your predecessor, and your successors?"
struct GetPredecessor {
  std::uint32_t nonce = 0;
};
struct PredecessorReply {
  std::uint32_t nonce = 0;
  PeerId predecessor;
  std::uint8_t count = 0;
  std::array<PeerId, SuccessorList::kMax> successors{};
  [[nodiscard]] std::span<const PeerId> list() const { return {successors.data(), count}; }
};
/// notify (ToN Fig. 6): "I think I might be your predecessor."
struct Notify {};
/// check_predecessor's liveness probe and its answer.
struct Ping {
  std::uint32_t nonce = 0;
};
struct Pong {
  std::uint32_t nonce = 0;
};
/// Graceful leave (ToN section IV-E.4): the leaving peer tells its successor
/// who its new predecessor is...
struct LeavingPredecessor {
  PeerId predecessor;
};
/// ...and its predecessor who its successors are.
struct LeavingSuccessor {
  std::uint8_t count = 0;
  std::array<PeerId, SuccessorList::kMax> successors{};
  [[nodiscard]] std::span<const PeerId> list() const { return {successors.data(), count}; }
};
/// An application payload routed recursively to the key's successor;
/// `deliver` is set on the last hop (the sender found the key between
/// itself and its successor). `payload` views the received bytes (valid
/// during the handler only).
struct Route {
  RingId key = 0;
  std::uint32_t hops = 0;
  bool deliver = false;
  std::span<const std::byte> payload;
};

/// The last step of a lookup: "do you own `key`?" The claimed owner checks
/// the key against (its predecessor, itself], so a dead owner (timeout) or
/// one that a newer peer now precedes is caught before the answer counts.
struct ConfirmOwner {
  std::uint32_t nonce = 0;
  RingId key = 0;
};
/// mine, or not: then `predecessor` is closer to the key. When mine,
/// `predecessor` is the owner's predecessor (a joining peer takes it as its
/// own). Not mine and no predecessor: the asked peer is not on the ring.
struct OwnerReply {
  std::uint32_t nonce = 0;
  bool mine = false;
  PeerId predecessor;
};
/// "`peer` may be your successor": sent by a peer that has just joined to
/// the predecessor its successor named, and by a peer whose predecessor
/// changed to the old predecessor. The receiver adopts `peer` only if it
/// lies between itself and its successor, then stabilizes with it at once.
struct SuccessorHint {
  PeerId peer;
};
/// A recursive lookup (chord.lookups = "recursive", as SimGrid's example):
/// each peer forwards it to its closest preceding node; the key's
/// predecessor answers `origin` directly with SuccessorFound.
struct FindSuccessor {
  std::uint32_t nonce = 0;
  RingId key = 0;
  PeerId origin;
  std::uint32_t hops = 0;
};
/// The answer to FindSuccessor; `status` is a LookupStatus (0: `owner` is
/// the key's successor; else `owner` is none and the lookup failed).
struct SuccessorFound {
  std::uint32_t nonce = 0;
  PeerId owner;
  std::uint32_t hops = 0;
  std::uint8_t status = 0;
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
