// Every Chord message: encode/decode round trip, and every truncation (and
// corruption of the fields that are validated) rejected with DecodeError.

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "p2pgrid/overlay/chord/messages.hpp"

namespace p2pgrid::chord {
namespace {

constexpr std::uint32_t kPeers = 1000;

std::vector<Message> samples() {
  PredecessorReply pr;
  pr.nonce = 77;
  pr.predecessor = PeerId{12};
  pr.count = 3;
  pr.successors[0] = PeerId{1};
  pr.successors[1] = PeerId{2};
  pr.successors[2] = PeerId{999};
  PredecessorReply empty_pr;
  empty_pr.nonce = 1;
  LeavingSuccessor ls;
  ls.count = 2;
  ls.successors[0] = PeerId{5};
  ls.successors[1] = PeerId{6};
  static const std::array<std::byte, 5> kPayload{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{0xFF},
                                                 std::byte{0}};
  return {
      FindNext{0xDEADBEEF, 0x0123456789ABCDEFULL, PeerId::none()},
      FindNext{1, 2, PeerId{3}},
      FindNextReply{9, true, PeerId{4}},
      FindNextReply{9, false, PeerId::none()},
      GetPredecessor{5},
      pr,
      empty_pr,
      Notify{},
      Ping{6},
      Pong{7},
      LeavingPredecessor{PeerId{8}},
      LeavingPredecessor{PeerId::none()},
      ls,
      Route{~0ULL, 3, true, kPayload},
      Route{42, 0, false, {}},
      ConfirmOwner{11, 0xFEDCBA9876543210ULL},
      OwnerReply{12, true, PeerId::none()},
      OwnerReply{13, false, PeerId{998}},
      SuccessorHint{PeerId{17}},
      FindSuccessor{14, 0x1122334455667788ULL, PeerId{999}, 127},
      SuccessorFound{15, PeerId{3}, 9, 0},
      SuccessorFound{16, PeerId::none(), 128, static_cast<std::uint8_t>(LookupStatus::kHopLimit)},
  };
}

bool same(const Message& a, const Message& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, FindNext>) return x.nonce == y.nonce && x.key == y.key && x.bound == y.bound;
        if constexpr (std::is_same_v<T, FindNextReply>)
          return x.nonce == y.nonce && x.done == y.done && x.node == y.node;
        if constexpr (std::is_same_v<T, GetPredecessor> || std::is_same_v<T, Ping> || std::is_same_v<T, Pong>) {
          return x.nonce == y.nonce;
        }
        if constexpr (std::is_same_v<T, PredecessorReply>) {
          return x.nonce == y.nonce && x.predecessor == y.predecessor &&
                 std::equal(x.list().begin(), x.list().end(), y.list().begin(), y.list().end());
        }
        if constexpr (std::is_same_v<T, Notify>) return true;
        if constexpr (std::is_same_v<T, LeavingPredecessor>) return x.predecessor == y.predecessor;
        if constexpr (std::is_same_v<T, LeavingSuccessor>) {
          return std::equal(x.list().begin(), x.list().end(), y.list().begin(), y.list().end());
        }
        if constexpr (std::is_same_v<T, ConfirmOwner>) return x.nonce == y.nonce && x.key == y.key;
        if constexpr (std::is_same_v<T, OwnerReply>) {
          return x.nonce == y.nonce && x.mine == y.mine && x.predecessor == y.predecessor;
        }
        if constexpr (std::is_same_v<T, SuccessorHint>) return x.peer == y.peer;
        if constexpr (std::is_same_v<T, FindSuccessor>) {
          return x.nonce == y.nonce && x.key == y.key && x.origin == y.origin && x.hops == y.hops;
        }
        if constexpr (std::is_same_v<T, SuccessorFound>) {
          return x.nonce == y.nonce && x.owner == y.owner && x.hops == y.hops && x.status == y.status;
        }
        if constexpr (std::is_same_v<T, Route>) {
          return x.key == y.key && x.hops == y.hops && x.deliver == y.deliver &&
                 std::equal(x.payload.begin(), x.payload.end(), y.payload.begin(), y.payload.end());
        }
        return false;
      },
      a);
}

TEST(ChordMessages, RoundTripEveryType) {
  for (const Message& m : samples()) {
    std::array<std::byte, kMaxMessageSize> buf{};
    const auto bytes = encode(m, buf);
    EXPECT_EQ(peek_protocol(bytes), ProtocolId::kChord);
    EXPECT_TRUE(same(decode(bytes, kPeers), m)) << "type index " << m.index();
  }
}

TEST(ChordMessages, EveryTruncationAndTrailingByteIsRejected) {
  for (const Message& m : samples()) {
    std::array<std::byte, kMaxMessageSize> buf{};
    const auto bytes = encode(m, buf);
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      EXPECT_THROW(decode(bytes.first(n), kPeers), DecodeError) << "type index " << m.index() << ", " << n << " bytes";
    }
    std::vector<std::byte> longer(bytes.begin(), bytes.end());
    longer.push_back(std::byte{0});
    EXPECT_THROW(decode(longer, kPeers), DecodeError) << "type index " << m.index();
  }
}

TEST(ChordMessages, MalformedFieldsAreRejectedWithTheirName) {
  std::array<std::byte, kMaxMessageSize> buf{};
  auto bytes = encode(FindNextReply{1, true, PeerId{4}}, buf);
  std::vector<std::byte> b(bytes.begin(), bytes.end());
  // Peer id out of range.
  try {
    decode(b, 4);
    FAIL() << "accepted peer 4 of 4";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("'node'"), std::string::npos) << e.what();
  }
  // Unknown type, wrong protocol, wrong version, bad boolean.
  auto bad = b;
  bad[2] = std::byte{99};
  EXPECT_THROW(decode(bad, kPeers), DecodeError);
  bad = b;
  bad[0] = std::byte{static_cast<std::uint8_t>(ProtocolId::kCan)};
  EXPECT_THROW(decode(bad, kPeers), DecodeError);
  bad = b;
  bad[1] = std::byte{kWireVersion + 1};
  EXPECT_THROW(decode(bad, kPeers), DecodeError);
  bad = b;
  bad[7] = std::byte{2};  // the `done` byte
  EXPECT_THROW(decode(bad, kPeers), DecodeError);
  // A "done" answer must name a peer.
  bytes = encode(FindNextReply{1, true, PeerId::none()}, buf);
  EXPECT_THROW(decode(bytes, kPeers), DecodeError);
  // A successor list longer than the maximum.
  PredecessorReply pr;
  pr.count = 1;
  pr.successors[0] = PeerId{1};
  bytes = encode(pr, buf);
  b.assign(bytes.begin(), bytes.end());
  b[11] = std::byte{SuccessorList::kMax + 1};
  EXPECT_THROW(decode(b, kPeers), DecodeError);
}

TEST(ChordMessages, RecursiveAnswersAreConsistent) {
  std::array<std::byte, kMaxMessageSize> buf{};
  const auto expect_error = [&](const Message& m, const std::string& what) {
    const auto bytes = encode(m, buf);
    try {
      decode(bytes, kPeers);
      FAIL() << "accepted " << what;
    } catch (const DecodeError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_error(SuccessorFound{1, PeerId::none(), 3, 0}, "'owner'");   // success without an owner
  expect_error(SuccessorFound{1, PeerId{2}, 3, 1}, "'owner'");        // failure naming one
  expect_error(SuccessorFound{1, PeerId::none(), 3, 6}, "'status'");  // no such status
  expect_error(SuccessorFound{1, PeerId{kPeers}, 3, 0}, "'owner'");   // out of range
  expect_error(SuccessorHint{PeerId::none()}, "'peer'");
  expect_error(FindSuccessor{1, 2, PeerId{kPeers}, 0}, "'origin'");
}

TEST(ChordMessages, OversizedRoutePayloadIsRefused) {
  std::vector<std::byte> payload(kMaxRoutePayload + 1);
  std::array<std::byte, kMaxMessageSize> buf{};
  EXPECT_THROW(encode(Route{1, 0, false, payload}, buf), EncodeError);
  payload.resize(kMaxRoutePayload);
  const auto bytes = encode(Route{1, 0, false, payload}, buf);
  EXPECT_EQ(std::get<Route>(decode(bytes, kPeers)).payload.size(), kMaxRoutePayload);
}

}  // namespace
}  // namespace p2pgrid::chord
