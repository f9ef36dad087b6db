#include "p2pgrid/overlay/can/params.hpp"

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::can {

PeerId Params::contact(PeerId self, std::uint32_t attempt) const {
  // Peer 0 of a `join` run has no earlier peer: after a restart it asks
  // anyone. Everyone else in `join` mode asks a peer that started earlier.
  const bool earlier = bootstrap == Bootstrap::kJoin && self.value > 0;
  const std::uint32_t range = earlier ? self.value : peers - 1;
  if (range == 0) return PeerId::none();
  const std::uint64_t h = hash_combine(hash_combine(mix64(seed ^ 0x636f6e74616374ULL), self.value), attempt);
  auto pick = static_cast<std::uint32_t>(Rng(h).below(range));
  if (!earlier && pick >= self.value) ++pick;  // skip self
  return PeerId{pick};
}

}  // namespace p2pgrid::can
