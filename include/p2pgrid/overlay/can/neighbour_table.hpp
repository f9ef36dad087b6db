#pragma once
/// A peer's view of its CAN neighbours: per neighbour its id, capabilities
/// point, last reported load word, last-heard time and zones. A pure data
/// structure (no Context), unit-tested and benchmarked on its own.
///
/// Layout: neighbours sorted by id in one vector, their zones grouped in
/// the same order in a second one, so a peer with k neighbours costs two
/// small arrays and the greedy next-hop scan walks both in lockstep.

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/prefetch.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/overlay/can/zone.hpp"

namespace p2pgrid::can {

struct Neighbour {
  PeerId id;
  std::uint32_t load = 0;       ///< opaque load word from its last update
  Time last_heard;              ///< when its last update arrived (or was vouched for)
  Point point;                  ///< its capabilities point
  std::uint32_t zone_count = 0; ///< how many of the table's zones are its
  /// Who takes its zones over if it dies: the smallest-volume peer of its
  /// last advertised neighbour list (ties to the lower id), so every
  /// neighbour that heard that list names the same heir.
  PeerId heir;

  template <class S, class V>
  static void fields(S& s, V& v) {
    v("can.neighbour.id", s.id);
    v("can.neighbour.load", s.load);
    v("can.neighbour.last_heard", s.last_heard);
    v("can.neighbour.point", s.point);
    v("can.neighbour.zone_count", s.zone_count);
    v("can.neighbour.heir", s.heir);
  }
};

/// A neighbour and its zones, as NeighbourTable::with_zones() yields them.
struct NeighbourZones {
  const Neighbour& neighbour;
  std::span<const Zone> zones;
};

class NeighbourTable {
 public:
  /// Every neighbour with its zones, in id order, in one pass: calling
  /// zones_of for each neighbour rescans the zone offsets, O(size^2) per
  /// sweep, which made zones_of 11% of a 10,000-peer CAN run's instructions.
  class ZonesRange {
   public:
    class Iterator {
     public:
      using value_type = NeighbourZones;
      using difference_type = std::ptrdiff_t;
      Iterator(const Neighbour* n, const Zone* z) : n_(n), z_(z) {}
      NeighbourZones operator*() const { return {*n_, {z_, n_->zone_count}}; }
      Iterator& operator++() {
        z_ += n_->zone_count;
        ++n_;
        return *this;
      }
      friend bool operator==(const Iterator& a, const Iterator& b) { return a.n_ == b.n_; }

     private:
      const Neighbour* n_;
      const Zone* z_;
    };
    ZonesRange(std::span<const Neighbour> peers, std::span<const Zone> zones) : peers_(peers), zones_(zones) {}
    [[nodiscard]] Iterator begin() const { return {peers_.data(), zones_.data()}; }
    [[nodiscard]] Iterator end() const { return {peers_.data() + peers_.size(), zones_.data() + zones_.size()}; }

   private:
    std::span<const Neighbour> peers_;
    std::span<const Zone> zones_;
  };

  [[nodiscard]] ZonesRange with_zones() const { return {peers_, zones_}; }
  [[nodiscard]] std::span<const Neighbour> neighbours() const { return peers_; }
  [[nodiscard]] std::size_t size() const { return peers_.size(); }
  [[nodiscard]] bool empty() const { return peers_.empty(); }
  [[nodiscard]] const Neighbour* find(PeerId id) const;
  /// The zones of neighbour `id` (empty if unknown); O(size): to visit
  /// every neighbour's zones, use with_zones().
  [[nodiscard]] std::span<const Zone> zones_of(PeerId id) const;
  /// All zones, grouped by neighbour in id order.
  [[nodiscard]] std::span<const Zone> all_zones() const { return zones_; }

  /// Inserts or replaces neighbour `id` with these zones (must be non-empty).
  void upsert(PeerId id, const Point& point, std::uint32_t load, Time last_heard, std::span<const Zone> zones);
  /// Refreshes liveness and load only.
  void touch(PeerId id, std::uint32_t load, Time last_heard);
  void set_heir(PeerId id, PeerId heir);
  void erase(PeerId id);
  /// Drops every zone of neighbours other than `except`, silent since
  /// before `silent_before`, that lies inside `zone` (someone else owns that
  /// area now); neighbours left with no zone go. Live neighbours keep
  /// theirs: a clash between live claimants is theirs to settle.
  void drop_covered(const Zone& zone, PeerId except, Time silent_before);
  void clear();
  /// Releases spare capacity (after a bulk install).
  void shrink_to_fit();

  /// Greedy CAN forwarding: the neighbour owning the zone nearest to
  /// `target` (L1 distance to the box), skipping neighbours last heard
  /// before `alive_since`; ties go to the lower id. PeerId::none() if no
  /// neighbour qualifies.
  [[nodiscard]] PeerId next_hop(const Point& target, Time alive_since, std::uint64_t* distance = nullptr) const;

  /// Starts loading the table into cache (Protocol::prefetch_heap): most
  /// handlers scan it whole.
  void prefetch() const {
    prefetch_bytes(peers_.data(), peers_.size() * sizeof(Neighbour));
    prefetch_bytes(zones_.data(), zones_.size() * sizeof(Zone));
  }

  /// Counts the edits that changed the table's zones (a neighbour added,
  /// removed or with other zones); refreshes that leave them alone do not
  /// count. Not checkpointed: it only tells whether the zones changed
  /// between two looks, and a restored table starts from 0.
  [[nodiscard]] std::uint32_t zone_edits() const { return zone_edits_; }

  /// Bytes of heap this table holds (memory accounting).
  [[nodiscard]] std::size_t heap_bytes() const;

  /// Checkpointed state (p2pgrid/core/fields.hpp).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v.list("can.neighbours", s.peers_, kMaxStateList);
    v.list("can.neighbour_zones", s.zones_, kMaxStateList);
    v.require("can.neighbour_zones", zones_match(s), [] { return std::string("zone counts do not add up"); });
    // Read from a checkpoint, the zones are new to whoever looked before.
    if constexpr (!std::is_const_v<S>) ++s.zone_edits_;
  }

 private:
  [[nodiscard]] std::size_t zone_offset(std::size_t index) const;
  [[nodiscard]] static bool zones_match(const NeighbourTable& t) {
    std::size_t n = 0;
    for (const Neighbour& p : t.peers_) n += p.zone_count;
    return n == t.zones_.size();
  }

  std::vector<Neighbour> peers_;
  std::vector<Zone> zones_;
  std::uint32_t zone_edits_ = 0;
};

}  // namespace p2pgrid::can
