#include "p2pgrid/overlay/can/capabilities.hpp"

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::can {
namespace {

// Salts keep the class streams and the virtual-coordinate streams apart
// from the per-peer capability stream of the same seed.
constexpr std::uint64_t kClassSalt = 0x636c617373ULL;    // "class"
constexpr std::uint64_t kVirtualSalt = 0x7669727475ULL;  // "virtu"

Capabilities draw(const CapabilityModel& model, Rng& rng) {
  Capabilities c;
  for (std::size_t r = 0; r < kResources; ++r) {
    const std::uint64_t span = std::uint64_t{model.max[r]} - model.min[r] + 1;
    c.value[r] = static_cast<std::uint32_t>(model.min[r] + rng.below(span));
  }
  return c;
}

}  // namespace

Capabilities capabilities_of(const CapabilityModel& model, std::uint64_t seed, PeerId peer) {
  Rng rng(seed, peer, Purpose::kCapabilities);
  if (model.population == Population::kMixed) return draw(model, rng);
  const auto cls = static_cast<std::uint32_t>(rng.below(model.classes));
  Rng class_rng(seed ^ kClassSalt, PeerId{cls}, Purpose::kCapabilities);
  return draw(model, class_rng);
}

std::uint32_t coordinate_of(const CapabilityModel& model, Resource r, std::uint32_t value) {
  const auto i = static_cast<std::size_t>(r);
  const std::uint64_t span = std::uint64_t{model.max[i]} - model.min[i] + 1;
  const std::uint64_t v = value < model.min[i] ? 0 : (value > model.max[i] ? span - 1 : value - model.min[i]);
  return static_cast<std::uint32_t>((v << 32U) / span);
}

Point point_of(const CapabilityModel& model, std::uint64_t seed, PeerId peer, int resources, bool virtual_dim) {
  const Capabilities c = capabilities_of(model, seed, peer);
  Point p;
  for (int r = 0; r < resources; ++r) {
    p.x[static_cast<std::size_t>(r)] = coordinate_of(model, static_cast<Resource>(r), c.value[static_cast<std::size_t>(r)]);
  }
  if (virtual_dim) {
    Rng rng(seed ^ kVirtualSalt, peer, Purpose::kCapabilities);
    p.x[static_cast<std::size_t>(resources)] = static_cast<std::uint32_t>(rng() >> 32U);
  }
  return p;
}

}  // namespace p2pgrid::can
