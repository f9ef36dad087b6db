#include "p2pgrid/match/rntree_parent.hpp"

#include <algorithm>

#include "p2pgrid/overlay/chord/ring.hpp"

namespace p2pgrid::match {

bool is_rntree_root(const chord::Node& chord) {
  const PeerId succ = chord.successor();
  if (succ == chord.self() || chord.id() == kRootKey) return true;
  return chord::in_half_open(kRootKey, chord.id(), chord.id_of(succ));
}

PeerId choose_parent(const chord::Node& chord, std::span<const PeerId> suspects) {
  if (!chord.joined() || is_rntree_root(chord)) return PeerId::none();
  const RingId self = chord.id();
  PeerId best = PeerId::none();
  std::uint64_t best_distance = 0;
  const auto consider = [&](PeerId p) {
    if (!p.valid() || p == chord.self()) return;
    if (std::find(suspects.begin(), suspects.end(), p) != suspects.end()) return;
    const RingId id = chord.id_of(p);
    // Only entries strictly between us and the key: d strictly decreases.
    if (!chord::in_open(id, self, kRootKey)) return;
    const std::uint64_t d = chord::distance(self, id);
    if (d > best_distance) {
      best = p;
      best_distance = d;
    }
  };
  consider(chord.successor());
  for (const PeerId s : chord.successors()) consider(s);
  for (const PeerId f : chord.fingers().entries()) consider(f);
  return best;
}

}  // namespace p2pgrid::match
