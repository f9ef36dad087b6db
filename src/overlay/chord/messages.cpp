#include "p2pgrid/overlay/chord/messages.hpp"

#include <string>
#include <type_traits>

namespace p2pgrid::chord {
namespace {

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;  // clang 14 lacks C++20 aggregate deduction

void put_list(Writer& w, std::uint8_t count, const std::array<PeerId, SuccessorList::kMax>& list) {
  if (count > SuccessorList::kMax) throw EncodeError("successor list of " + std::to_string(count) + " entries");
  w.u8(count);
  for (std::uint8_t i = 0; i < count; ++i) w.peer(list[i]);
}

/// A peer id that must name an existing peer (or "none" when allowed).
PeerId get_peer(Reader& r, const char* field, std::uint32_t peers, bool none_ok) {
  const PeerId p = r.peer(field);
  if (!p.valid()) {
    if (!none_ok) r.fail(field, "peer id is 'none'");
    return p;
  }
  if (p.value >= peers) r.fail(field, "peer " + std::to_string(p.value) + " out of range (" + std::to_string(peers) + " peers)");
  return p;
}

std::uint8_t get_list(Reader& r, std::uint32_t peers, std::array<PeerId, SuccessorList::kMax>& list) {
  const std::uint8_t count = r.u8("count");
  if (count > SuccessorList::kMax) {
    r.fail("count", "successor list of " + std::to_string(count) + " entries (at most " +
                        std::to_string(SuccessorList::kMax) + ")");
  }
  for (std::uint8_t i = 0; i < count; ++i) list[i] = get_peer(r, "successor", peers, false);
  return count;
}

}  // namespace

std::span<const std::byte> encode(const Message& message, std::span<std::byte> buffer) {
  Writer w(buffer);
  std::visit(Overloaded{
                 [&](const FindNext& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kFindNext));
                   w.u32(m.nonce);
                   w.u64(m.key);
                   w.peer(m.bound);
                 },
                 [&](const FindNextReply& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kFindNextReply));
                   w.u32(m.nonce);
                   w.boolean(m.done);
                   w.peer(m.node);
                 },
                 [&](const GetPredecessor& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kGetPredecessor));
                   w.u32(m.nonce);
                 },
                 [&](const PredecessorReply& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kPredecessorReply));
                   w.u32(m.nonce);
                   w.peer(m.predecessor);
                   put_list(w, m.count, m.successors);
                 },
                 [&](const Notify& /*m*/) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kNotify));
                 },
                 [&](const Ping& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kPing));
                   w.u32(m.nonce);
                 },
                 [&](const Pong& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kPong));
                   w.u32(m.nonce);
                 },
                 [&](const LeavingPredecessor& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kLeavingPredecessor));
                   w.peer(m.predecessor);
                 },
                 [&](const LeavingSuccessor& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kLeavingSuccessor));
                   put_list(w, m.count, m.successors);
                 },
                 [&](const ConfirmOwner& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kConfirmOwner));
                   w.u32(m.nonce);
                   w.u64(m.key);
                 },
                 [&](const OwnerReply& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kOwnerReply));
                   w.u32(m.nonce);
                   w.boolean(m.mine);
                   w.peer(m.predecessor);
                 },
                 [&](const SuccessorHint& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kSuccessorHint));
                   w.peer(m.peer);
                 },
                 [&](const FindSuccessor& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kFindSuccessor));
                   w.u32(m.nonce);
                   w.u64(m.key);
                   w.peer(m.origin);
                   w.u32(m.hops);
                 },
                 [&](const SuccessorFound& m) {
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kSuccessorFound));
                   w.u32(m.nonce);
                   w.peer(m.owner);
                   w.u32(m.hops);
                   w.u8(m.status);
                 },
                 [&](const Route& m) {
                   if (m.payload.size() > kMaxRoutePayload) {
                     throw EncodeError("route payload of " + std::to_string(m.payload.size()) + " bytes (at most " +
                                       std::to_string(kMaxRoutePayload) + ")");
                   }
                   w.header(ProtocolId::kChord, static_cast<std::uint8_t>(MessageType::kRoute));
                   w.u64(m.key);
                   w.u32(m.hops);
                   w.boolean(m.deliver);
                   w.u32(static_cast<std::uint32_t>(m.payload.size()));
                   for (const std::byte b : m.payload) w.u8(std::to_integer<std::uint8_t>(b));
                 },
             },
             message);
  return w.bytes();
}

Message decode(std::span<const std::byte> bytes, std::uint32_t peers) {
  Reader r(bytes);
  const MessageHeader h = r.header(ProtocolId::kChord);
  Message out;
  switch (static_cast<MessageType>(h.type)) {
    case MessageType::kFindNext: {
      FindNext m;
      m.nonce = r.u32("nonce");
      m.key = r.u64("key");
      m.bound = get_peer(r, "bound", peers, true);
      out = m;
      break;
    }
    case MessageType::kFindNextReply: {
      FindNextReply m;
      m.nonce = r.u32("nonce");
      m.done = r.boolean("done");
      m.node = get_peer(r, "node", peers, !m.done);
      out = m;
      break;
    }
    case MessageType::kGetPredecessor: out = GetPredecessor{r.u32("nonce")}; break;
    case MessageType::kPredecessorReply: {
      PredecessorReply m;
      m.nonce = r.u32("nonce");
      m.predecessor = get_peer(r, "predecessor", peers, true);
      m.count = get_list(r, peers, m.successors);
      out = m;
      break;
    }
    case MessageType::kNotify: out = Notify{}; break;
    case MessageType::kPing: out = Ping{r.u32("nonce")}; break;
    case MessageType::kPong: out = Pong{r.u32("nonce")}; break;
    case MessageType::kLeavingPredecessor: out = LeavingPredecessor{get_peer(r, "predecessor", peers, true)}; break;
    case MessageType::kLeavingSuccessor: {
      LeavingSuccessor m;
      m.count = get_list(r, peers, m.successors);
      out = m;
      break;
    }
    case MessageType::kRoute: {
      Route m;
      m.key = r.u64("key");
      m.hops = r.u32("hops");
      m.deliver = r.boolean("deliver");
      const std::uint32_t n = r.count("payload_size", 1);
      if (n > kMaxRoutePayload) r.fail("payload_size", std::to_string(n) + " bytes exceeds the route payload limit");
      m.payload = bytes.subspan(r.position(), n);
      for (std::uint32_t i = 0; i < n; ++i) r.u8("payload");
      out = m;
      break;
    }
    case MessageType::kConfirmOwner: {
      ConfirmOwner m;
      m.nonce = r.u32("nonce");
      m.key = r.u64("key");
      out = m;
      break;
    }
    case MessageType::kOwnerReply: {
      OwnerReply m;
      m.nonce = r.u32("nonce");
      m.mine = r.boolean("mine");
      m.predecessor = get_peer(r, "predecessor", peers, true);
      out = m;
      break;
    }
    case MessageType::kSuccessorHint: out = SuccessorHint{get_peer(r, "peer", peers, false)}; break;
    case MessageType::kFindSuccessor: {
      FindSuccessor m;
      m.nonce = r.u32("nonce");
      m.key = r.u64("key");
      m.origin = get_peer(r, "origin", peers, false);
      m.hops = r.u32("hops");
      out = m;
      break;
    }
    case MessageType::kSuccessorFound: {
      SuccessorFound m;
      m.nonce = r.u32("nonce");
      m.status = 0;
      const PeerId owner = r.peer("owner");
      m.hops = r.u32("hops");
      m.status = r.u8("status");
      // An answer names a peer exactly when it succeeded.
      if (m.status > kMaxLookupStatus) r.fail("status", "unknown lookup status " + std::to_string(m.status));
      if ((m.status == 0) != owner.valid()) r.fail("owner", m.status == 0 ? "peer id is 'none'" : "a failed lookup names a peer");
      if (owner.valid() && owner.value >= peers) {
        r.fail("owner", "peer " + std::to_string(owner.value) + " out of range (" + std::to_string(peers) + " peers)");
      }
      m.owner = owner;
      out = m;
      break;
    }
    default: r.fail("type", "unknown Chord message type " + std::to_string(h.type));
  }
  r.expect_end();
  return out;
}

}  // namespace p2pgrid::chord
