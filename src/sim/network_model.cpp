#include "p2pgrid/sim/network_model.hpp"

#include <cmath>
#include <stdexcept>

namespace p2pgrid {
namespace {
constexpr double kUnit = 0x1.0p-53;
double unit_of(std::uint64_t h) { return static_cast<double>(h >> 11U) * kUnit; }
}  // namespace

NetworkModel::NetworkModel(NetworkParams params, std::uint64_t seed) : params_(std::move(params)), seed_(seed) {
  if (params_.min_latency.ns <= 0) throw std::invalid_argument("network.min_latency must be positive");
  if (params_.max_latency < params_.min_latency) {
    throw std::invalid_argument("network.max_latency must not be below network.min_latency");
  }
  if (!(params_.loss >= 0.0 && params_.loss < 1.0)) throw std::invalid_argument("network.loss must be in [0, 1)");
  if (!(params_.bandwidth_bytes_per_s >= 0.0)) throw std::invalid_argument("network.bandwidth must be >= 0");
}

double NetworkModel::x(PeerId p) const { return unit_of(hash_combine(seed_ ^ 0x78ULL, p.value)); }
double NetworkModel::y(PeerId p) const { return unit_of(hash_combine(seed_ ^ 0x79ULL, p.value)); }

Duration NetworkModel::delay(PeerId a, PeerId b, std::size_t bytes) const {
  // Latency grows linearly with Euclidean distance in the unit square, from
  // min_latency (same spot) to max_latency (opposite corners, distance sqrt 2).
  const double dx = x(a) - x(b);
  const double dy = y(a) - y(b);
  const double reach = std::sqrt(dx * dx + dy * dy) * (1.0 / std::sqrt(2.0));
  const double span = static_cast<double>((params_.max_latency - params_.min_latency).ns);
  std::int64_t ns = params_.min_latency.ns + static_cast<std::int64_t>(reach * span);
  if (params_.bandwidth_bytes_per_s > 0.0) {
    ns += static_cast<std::int64_t>(static_cast<double>(bytes) * 1e9 / params_.bandwidth_bytes_per_s);
  }
  return Duration{ns};
}

Delivery NetworkModel::fate(PeerId src, std::uint64_t seq, PeerId dst, Time at) const {
  for (const NetworkPartition& part : params_.partitions) {
    if (at >= part.start && at < part.end && ((x(src) < part.split) != (x(dst) < part.split))) {
      return Delivery::kPartitioned;
    }
  }
  if (params_.loss > 0.0 && unit_of(hash_combine(hash_combine(seed_ ^ 0x6c6f7373ULL, src.value), seq)) < params_.loss) {
    return Delivery::kLost;
  }
  return Delivery::kDelivered;
}

}  // namespace p2pgrid
