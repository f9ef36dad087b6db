#pragma once
/// Whom a peer tells when it takes a dead neighbour's zones over: for each
/// neighbour whose heir it is (Neighbour::heir), that neighbour's own
/// neighbours and their heirs, from its last advertised list.
///
/// Stored flat, one group per neighbour, because at 100,000 peers a peer
/// holds about 17 distinct contacts in about one group: as a vector of
/// (neighbour, contact) pairs with duplicates and doubling growth this cost
/// 230-320 bytes per peer, the largest item of a CAN peer after its
/// neighbour table (docs/performance.md). Groups are rewritten only when
/// their contents change, so steady-state updates allocate nothing.

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::can {

class HeirContacts {
 public:
  /// The most contacts one assign takes (two per entry of a neighbour list).
  static constexpr std::size_t kMaxGroup = 256;

  /// Replaces the contacts of neighbour `of` (any order, duplicates allowed,
  /// at most kMaxGroup; none: `of` has no group afterwards).
  void assign(PeerId of, std::span<const PeerId> contacts);
  void erase(PeerId of);
  /// Appends the contacts of `of` (sorted, distinct) to `out`.
  void append_contacts(PeerId of, std::vector<PeerId>& out) const;
  /// Keeps the groups of the neighbours for which `keep(neighbour)` holds.
  template <class Keep>
  void retain(Keep keep);
  [[nodiscard]] bool empty() const { return words_.empty(); }
  [[nodiscard]] std::size_t heap_bytes() const { return words_.capacity() * sizeof(std::uint32_t); }

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("can.heir_contacts", s.words_, kMaxStateList);
    v.require("can.heir_contacts", well_formed(s.words_),
              [] { return std::string("groups do not add up to the stored words"); });
  }

 private:
  /// Layout: per group [neighbour, n, contact_1 .. contact_n], contacts
  /// sorted and distinct; groups in the order they were assigned.
  [[nodiscard]] static bool well_formed(const std::vector<std::uint32_t>& words);
  /// Offset of the group of `of`, or words_.size() if it has none.
  [[nodiscard]] std::size_t find(PeerId of) const;

  std::vector<std::uint32_t> words_;
};

template <class Keep>
void HeirContacts::retain(Keep keep) {
  std::size_t out = 0;
  for (std::size_t i = 0; i < words_.size();) {
    const std::size_t len = 2 + words_[i + 1];
    if (keep(PeerId{words_[i]})) {
      std::copy_n(words_.begin() + static_cast<std::ptrdiff_t>(i), len, words_.begin() + static_cast<std::ptrdiff_t>(out));
      out += len;
    }
    i += len;
  }
  words_.resize(out);
}

}  // namespace p2pgrid::can
