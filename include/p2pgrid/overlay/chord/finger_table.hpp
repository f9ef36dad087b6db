#pragma once
/// Chord's finger table (ToN 2003, section IV-D): entry i names the first
/// peer that succeeds id + 2^i. Entries are stored as addresses only (4
/// bytes each, 256 bytes in all) and their ring ids recomputed from the
/// address hash when needed, which keeps a peer's state small.

#include <array>
#include <cstdint>
#include <span>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/overlay/chord/ring.hpp"

namespace p2pgrid::chord {

class FingerTable {
 public:
  static constexpr unsigned kSize = 64;

  [[nodiscard]] PeerId at(unsigned i) const { return fingers_[i]; }
  void set(unsigned i, PeerId p) { fingers_[i] = p; }
  void clear() { fingers_.fill(PeerId::none()); }
  /// Forgets a peer found dead: every entry naming it becomes empty.
  void remove(PeerId p) {
    for (PeerId& f : fingers_) {
      if (f == p) f = PeerId::none();
    }
  }
  [[nodiscard]] std::span<const PeerId, kSize> entries() const { return fingers_; }

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("chord.fingers", s.fingers_);
  }

  /// ToN Fig. 5 closest_preceding_node: the entry whose id lies closest
  /// before `limit` in (self, limit), or none. Scanning starts at the highest
  /// finger whose start precedes `limit` (entries above cannot precede it
  /// while they are correct) and returns the first that qualifies, so a
  /// lookup costs about two hash evaluations, not 64.
  ///
  /// Example (ids mod 64 for readability): self = 8, fingers 0-2 -> 11,
  /// 3 -> 17, 4 -> 25, 5 -> 42; limit 30: the scan starts at finger 4 (start
  /// 24 < 30) and returns the peer at 25.
  [[nodiscard]] PeerId closest_preceding(RingId self_id, RingId limit, std::uint64_t salt) const {
    for (int i = highest_finger_before(self_id, limit); i >= 0; --i) {
      const PeerId f = fingers_[static_cast<unsigned>(i)];
      if (f.valid() && in_open(ring_id_of(f, salt), self_id, limit)) return f;
    }
    return PeerId::none();
  }

 private:
  std::array<PeerId, kSize> fingers_{};
};

}  // namespace p2pgrid::chord
