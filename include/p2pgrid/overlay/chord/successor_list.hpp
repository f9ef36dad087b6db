#pragma once
/// The successor list of r peers that follow this one on the ring (ToN 2003,
/// section IV-E.3). With r = O(log N) entries the ring survives the
/// simultaneous failure of half the peers with high probability: a dead
/// successor is replaced by the next live entry instead of by a lookup.

#include <array>
#include <cstdint>
#include <span>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::chord {

class SuccessorList {
 public:
  static constexpr std::uint32_t kMax = 16;  ///< largest r a config may ask for

  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::uint32_t size() const { return size_; }
  [[nodiscard]] PeerId front() const { return size_ == 0 ? PeerId::none() : list_[0]; }
  [[nodiscard]] PeerId at(std::uint32_t i) const { return list_[i]; }
  [[nodiscard]] std::span<const PeerId> entries() const { return {list_.data(), size_}; }
  void clear() { size_ = 0; }

  /// Rebuilds the list as `head` followed by `tail` (the head's own list, as
  /// it reported it), keeping at most `r` entries and stopping at `self` or
  /// at a repeat: on a ring smaller than r + 1 the list wraps back to us.
  /// Example: self 7, head 9, tail [12, 3, 7, 9], r 8 -> [9, 12, 3].
  void assign(PeerId self, PeerId head, std::span<const PeerId> tail, std::uint32_t r) {
    size_ = 0;
    if (!head.valid() || head == self || r == 0) return;
    list_[size_++] = head;
    for (const PeerId p : tail) {
      if (size_ >= r || size_ >= kMax || !p.valid() || p == self || contains(p)) break;
      list_[size_++] = p;
    }
  }

  /// Puts `p` first (a closer successor found by stabilize), keeping the
  /// old entries behind it up to r (an older copy of p is dropped).
  void push_front(PeerId p, std::uint32_t r) {
    if (r == 0) return;
    remove(p);
    const std::uint32_t keep = size_ < r ? size_ : r - 1;
    for (std::uint32_t i = keep; i > 0; --i) list_[i] = list_[i - 1];
    list_[0] = p;
    size_ = keep + 1;
  }

  /// Removes every occurrence of p (found dead, or gone).
  void remove(PeerId p) {
    std::uint32_t out = 0;
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (list_[i] != p) list_[out++] = list_[i];
    }
    size_ = out;
  }

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("chord.successors", s.size_, "chord.successor", s.list_);
  }

  [[nodiscard]] bool contains(PeerId p) const {
    for (std::uint32_t i = 0; i < size_; ++i) {
      if (list_[i] == p) return true;
    }
    return false;
  }

 private:
  std::array<PeerId, kMax> list_{};
  std::uint32_t size_ = 0;
};

}  // namespace p2pgrid::chord
