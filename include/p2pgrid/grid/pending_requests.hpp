#pragma once
/// Requests a peer sent and waits on, each with its own timeout: the one
/// shape every matchmaker and the job layer need ("asked X, give up after
/// T"). A request is named by a nonce that travels in the question and its
/// answer and in the timer's tag, so a late answer after its timeout, or a
/// timeout after its answer, finds nothing and is ignored.
///
/// Storage is a small vector whose capacity is kept, so a peer in steady
/// state does not allocate per request.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/protocol.hpp"

namespace p2pgrid::grid {

/// The local part of a timer tag: 8 bits of kind, the nonce above them.
constexpr std::uint64_t nonce_tag(ProtocolId protocol, std::uint8_t kind, std::uint32_t nonce) {
  return timer_tag(protocol, (std::uint64_t{nonce} << 8U) | kind);
}
constexpr std::uint8_t kind_of_tag(std::uint64_t tag) { return static_cast<std::uint8_t>(local_of_tag(tag) & 0xFFU); }
constexpr std::uint32_t nonce_of_tag(std::uint64_t tag) {
  return static_cast<std::uint32_t>(local_of_tag(tag) >> 8U);
}

template <class T>
class PendingRequests {
 public:
  struct Entry {
    T value;
    std::uint32_t nonce;
    TimerId timer;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("pending.value", s.value);
      v("pending.nonce", s.nonce);
      v("pending.timer", s.timer);
    }
  };

  /// Checkpointed state (p2pgrid/core/fields.hpp); the protocol and timer
  /// kind are the owner's constants.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("pending.next_nonce", s.nonce_);
    v.list("pending.entries", s.entries_, kMaxStateList);
  }

  PendingRequests(ProtocolId protocol, std::uint8_t kind) : protocol_(protocol), kind_(kind) {}

  /// Waits for an answer to a request about `value`; the timer fires
  /// with this helper's kind and the returned nonce after `timeout`.
  std::uint32_t add(Context& ctx, T value, Duration timeout) {
    const std::uint32_t nonce = next_nonce();
    const TimerId timer = ctx.set_timer(timeout, nonce_tag(protocol_, kind_, nonce));
    entries_.push_back({std::move(value), nonce, timer});
    return nonce;
  }

  /// The answer to request `nonce` arrived: stops its timer and returns
  /// what was waiting, or nothing if it timed out (or was answered) already.
  std::optional<T> answer(Context& ctx, std::uint32_t nonce) {
    const auto it = find_nonce(nonce);
    if (it == entries_.end()) return std::nullopt;
    ctx.cancel(it->timer);
    T value = std::move(it->value);
    entries_.erase(it);
    return value;
  }

  /// A timer of this helper's kind fired: returns what timed out, or
  /// nothing if it was answered first.
  std::optional<T> expire(std::uint64_t tag) {
    const auto it = find_nonce(nonce_of_tag(tag));
    if (it == entries_.end()) return std::nullopt;
    T value = std::move(it->value);
    entries_.erase(it);
    return value;
  }

  /// Drops every request `pred` selects (their answers will be ignored).
  template <class Pred>
  void withdraw_if(Context& ctx, Pred pred) {
    std::erase_if(entries_, [&](const Entry& e) {
      if (!pred(e.value)) return false;
      ctx.cancel(e.timer);
      return true;
    });
  }

  [[nodiscard]] bool owns(std::uint64_t tag) const {
    return protocol_of_tag(tag) == protocol_ && kind_of_tag(tag) == kind_;
  }
  [[nodiscard]] const Entry* find(std::uint32_t nonce) const {
    const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.nonce == nonce; });
    return it == entries_.end() ? nullptr : &*it;
  }
  template <class Pred>
  [[nodiscard]] bool any(Pred pred) const {
    return std::any_of(entries_.begin(), entries_.end(), [&](const Entry& e) { return pred(e.value); });
  }
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] bool empty() const { return entries_.empty(); }

  [[nodiscard]] std::uint64_t heap_bytes() const { return capacity_bytes(entries_); }

 private:
  auto find_nonce(std::uint32_t nonce) {
    return std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.nonce == nonce; });
  }
  std::uint32_t next_nonce() {
    // 24 bits are enough to tell apart the requests of one peer that can be
    // in flight at once; zero stays free to mean "no request".
    nonce_ = (nonce_ + 1U) & 0xFFFFFFU;
    if (nonce_ == 0) nonce_ = 1;
    return nonce_;
  }

  ProtocolId protocol_;
  std::uint8_t kind_;
  std::uint32_t nonce_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace p2pgrid::grid
