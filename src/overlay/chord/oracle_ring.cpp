#include "p2pgrid/overlay/chord/oracle_ring.hpp"

#include <algorithm>
#include <utility>

namespace p2pgrid::chord {

OracleRing::OracleRing(std::uint32_t peers, std::uint64_t salt) {
  std::vector<std::pair<RingId, std::uint32_t>> all(peers);
  for (std::uint32_t p = 0; p < peers; ++p) all[p] = {ring_id_of(PeerId{p}, salt), p};
  std::sort(all.begin(), all.end());
  ids_.resize(peers);
  peers_.resize(peers);
  for (std::uint32_t i = 0; i < peers; ++i) {
    ids_[i] = all[i].first;
    peers_[i] = PeerId{all[i].second};
  }
}

std::size_t OracleRing::successor_index(RingId key) const {
  const auto it = std::lower_bound(ids_.begin(), ids_.end(), key);
  return it == ids_.end() ? 0 : static_cast<std::size_t>(it - ids_.begin());
}

}  // namespace p2pgrid::chord
