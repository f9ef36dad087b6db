#include "p2pgrid/overlay/can/neighbour_table.hpp"

#include <algorithm>
#include <limits>

namespace p2pgrid::can {
namespace {

// std::lower_bound's position, by a search whose steps are conditional
// moves: the branches of the usual one go either way at random, and their
// mispredictions were a fifth of a CAN run's (callgrind --branch-sim), as
// every update looks its sender up.
std::size_t lower_index(const std::vector<Neighbour>& v, PeerId id) {
  if (v.empty()) return 0;
  const Neighbour* base = v.data();
  for (std::size_t n = v.size(); n > 1;) {
    const std::size_t half = n / 2;
    base = base[half].id < id ? base + half : base;
    n -= half;
  }
  return static_cast<std::size_t>(base - v.data()) + (base->id < id ? 1 : 0);
}
auto lower(std::vector<Neighbour>& v, PeerId id) {
  return v.begin() + static_cast<std::ptrdiff_t>(lower_index(v, id));
}
auto lower(const std::vector<Neighbour>& v, PeerId id) {
  return v.begin() + static_cast<std::ptrdiff_t>(lower_index(v, id));
}

}  // namespace

std::size_t NeighbourTable::zone_offset(std::size_t index) const {
  std::size_t off = 0;
  for (std::size_t i = 0; i < index; ++i) off += peers_[i].zone_count;
  return off;
}

const Neighbour* NeighbourTable::find(PeerId id) const {
  const auto it = lower(peers_, id);
  return it != peers_.end() && it->id == id ? &*it : nullptr;
}

std::span<const Zone> NeighbourTable::zones_of(PeerId id) const {
  const auto it = lower(peers_, id);
  if (it == peers_.end() || it->id != id) return {};
  const std::size_t off = zone_offset(static_cast<std::size_t>(it - peers_.begin()));
  return {zones_.data() + off, it->zone_count};
}

void NeighbourTable::upsert(PeerId id, const Point& point, std::uint32_t load, Time last_heard,
                            std::span<const Zone> zones) {
  auto it = lower(peers_, id);
  const auto index = static_cast<std::size_t>(it - peers_.begin());
  const std::size_t off = zone_offset(index);
  const auto zpos = zones_.begin() + static_cast<std::ptrdiff_t>(off);
  if (it != peers_.end() && it->id == id) {
    // Replace in place: overwrite the common prefix, then grow or shrink.
    const std::size_t old_n = it->zone_count;
    if (old_n != zones.size() || !std::equal(zones.begin(), zones.end(), zpos)) ++zone_edits_;
    const std::size_t common = std::min(old_n, zones.size());
    std::copy_n(zones.begin(), common, zpos);
    if (zones.size() > old_n) {
      zones_.insert(zpos + static_cast<std::ptrdiff_t>(common), zones.begin() + static_cast<std::ptrdiff_t>(common),
                    zones.end());
    } else if (zones.size() < old_n) {
      zones_.erase(zpos + static_cast<std::ptrdiff_t>(common), zpos + static_cast<std::ptrdiff_t>(old_n));
    }
  } else {
    ++zone_edits_;
    zones_.insert(zpos, zones.begin(), zones.end());
    it = peers_.insert(it, Neighbour{id, 0, {}, {}, 0, PeerId::none()});
  }
  it->point = point;
  it->load = load;
  it->last_heard = last_heard;
  it->zone_count = static_cast<std::uint32_t>(zones.size());
}

void NeighbourTable::touch(PeerId id, std::uint32_t load, Time last_heard) {
  const auto it = lower(peers_, id);
  if (it == peers_.end() || it->id != id) return;
  it->load = load;
  it->last_heard = last_heard;
}

void NeighbourTable::set_heir(PeerId id, PeerId heir) {
  const auto it = lower(peers_, id);
  if (it != peers_.end() && it->id == id) it->heir = heir;
}

void NeighbourTable::erase(PeerId id) {
  const auto it = lower(peers_, id);
  if (it == peers_.end() || it->id != id) return;
  ++zone_edits_;
  const std::size_t off = zone_offset(static_cast<std::size_t>(it - peers_.begin()));
  zones_.erase(zones_.begin() + static_cast<std::ptrdiff_t>(off),
               zones_.begin() + static_cast<std::ptrdiff_t>(off + it->zone_count));
  peers_.erase(it);
}

void NeighbourTable::drop_covered(const Zone& zone, PeerId except, Time silent_before) {
  std::size_t read = 0;
  std::size_t write = 0;
  std::size_t keep_peer = 0;
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    Neighbour n = peers_[i];
    std::uint32_t kept = 0;
    for (std::uint32_t k = 0; k < n.zone_count; ++k, ++read) {
      if (n.id != except && n.last_heard < silent_before && zone.covers(zones_[read])) continue;
      zones_[write++] = zones_[read];
      ++kept;
    }
    if (kept == 0) continue;
    n.zone_count = kept;
    peers_[keep_peer++] = n;
  }
  if (write != zones_.size()) ++zone_edits_;
  zones_.resize(write);
  peers_.resize(keep_peer);
}

void NeighbourTable::shrink_to_fit() {
  peers_.shrink_to_fit();
  zones_.shrink_to_fit();
}

void NeighbourTable::clear() {
  ++zone_edits_;
  peers_.clear();
  zones_.clear();
}

PeerId NeighbourTable::next_hop(const Point& target, Time alive_since, std::uint64_t* distance) const {
  PeerId best = PeerId::none();
  std::uint64_t best_distance = std::numeric_limits<std::uint64_t>::max();
  std::size_t z = 0;
  for (const Neighbour& n : peers_) {
    const std::size_t end = z + n.zone_count;
    if (n.last_heard < alive_since) {
      z = end;
      continue;
    }
    for (; z < end; ++z) {
      const std::uint64_t d = zones_[z].distance(target);
      // Strictly less: peers_ is in id order, so ties keep the lower id.
      if (d < best_distance) {
        best_distance = d;
        best = n.id;
      }
    }
  }
  if (distance != nullptr) *distance = best_distance;
  return best;
}

std::size_t NeighbourTable::heap_bytes() const {
  return peers_.capacity() * sizeof(Neighbour) + zones_.capacity() * sizeof(Zone);
}

}  // namespace p2pgrid::can
