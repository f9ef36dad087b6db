#pragma once
// The test's own, independent model of a correct Chord ring: a std::map from
// ring id to peer over the peers that are alive, built from nothing but
// ring_id_of. Protocol results are checked against it.

#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <vector>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::chord::test {

class TrueRing {
 public:
  TrueRing(const std::vector<std::uint32_t>& alive, std::uint64_t salt) : salt_(salt) {
    for (const std::uint32_t p : alive) by_id_[ring_id_of(PeerId{p}, salt)] = p;
  }

  [[nodiscard]] std::size_t size() const { return by_id_.size(); }
  [[nodiscard]] std::uint64_t id(std::uint32_t p) const { return ring_id_of(PeerId{p}, salt_); }

  /// First live peer at or after key, clockwise.
  [[nodiscard]] std::uint32_t successor(std::uint64_t key) const {
    auto it = by_id_.lower_bound(key);
    if (it == by_id_.end()) it = by_id_.begin();
    return it->second;
  }
  /// Next live peer strictly after peer p.
  [[nodiscard]] std::uint32_t next(std::uint32_t p) const {
    auto it = by_id_.upper_bound(id(p));
    if (it == by_id_.end()) it = by_id_.begin();
    return it->second;
  }
  /// Previous live peer strictly before peer p.
  [[nodiscard]] std::uint32_t previous(std::uint32_t p) const {
    auto it = by_id_.lower_bound(id(p));
    if (it == by_id_.begin()) it = by_id_.end();
    return std::prev(it)->second;
  }

  /// Hops of textbook greedy Chord routing with perfect tables (fingers
  /// succ(n + 2^i) and r successors) from `origin` to the peer whose
  /// successor owns `key`: the number of peers asked after the origin.
  [[nodiscard]] std::uint32_t ideal_hops(std::uint32_t origin, std::uint64_t key, std::uint32_t r) const {
    std::uint32_t n = origin;
    std::uint32_t hops = 0;
    for (;;) {
      const std::uint64_t nid = id(n);
      const std::uint32_t s = next(n);
      if (between_half_open(key, nid, id(s))) return hops;
      // Best candidate strictly between n and key, farthest from n.
      std::uint32_t best = s;
      std::uint64_t best_d = id(s) - nid;
      auto consider = [&](std::uint32_t c) {
        const std::uint64_t d = id(c) - nid;
        if (d != 0 && d < key - nid && d > best_d) {
          best = c;
          best_d = d;
        }
      };
      for (int i = 0; i < 64; ++i) consider(successor(nid + (std::uint64_t{1} << i)));
      std::uint32_t walk = n;
      for (std::uint32_t k = 0; k < r; ++k) {
        walk = next(walk);
        consider(walk);
      }
      n = best;
      ++hops;
    }
  }

 private:
  static bool between_half_open(std::uint64_t x, std::uint64_t a, std::uint64_t b) {
    if (a == b) return true;
    return x - a != 0 && x - a <= b - a;
  }

  std::uint64_t salt_;
  std::map<std::uint64_t, std::uint32_t> by_id_;
};

}  // namespace p2pgrid::chord::test
