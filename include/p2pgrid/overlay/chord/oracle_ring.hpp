#pragma once
/// The ORACLE view of a whole Chord ring: every peer's id, sorted. It is
/// global knowledge no peer has, used only outside the protocol handlers to
/// compute every peer's correct state at time 0 (the `oracle` bootstrap for
/// fast large starts) -- each rank for its own peers.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::chord {

class OracleRing {
 public:
  /// The ring of peers 0..peers-1 with ids ring_id_of(p, salt).
  OracleRing(std::uint32_t peers, std::uint64_t salt);

  [[nodiscard]] std::size_t size() const { return ids_.size(); }
  [[nodiscard]] RingId id_at(std::size_t i) const { return ids_[i]; }
  [[nodiscard]] PeerId peer_at(std::size_t i) const { return peers_[i]; }
  /// Position of the first peer whose id is >= key, wrapping to 0: the
  /// key's successor (ToN section IV-B).
  [[nodiscard]] std::size_t successor_index(RingId key) const;
  [[nodiscard]] PeerId successor(RingId key) const { return peers_[successor_index(key)]; }

 private:
  std::vector<RingId> ids_;
  std::vector<PeerId> peers_;
};

}  // namespace p2pgrid::chord
