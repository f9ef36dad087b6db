#pragma once
/// The emulated network. Latency comes from peer coordinates (a point per
/// peer in the unit square, hashed from the seed), so no N-by-N matrix is
/// stored; size adds a transfer delay; loss and partitions are decided by
/// hashes of the message's placement-independent key. Everything here is a
/// pure function of (params, seed, peer ids, time), hence identical on every
/// rank.

#include <cstdint>
#include <vector>

#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Between `start` and `end`, peers with coordinate x below `split` cannot
/// reach peers at or above it (and back).
struct NetworkPartition {
  Time start;
  Time end;
  double split = 0.5;
};

struct NetworkParams {
  Duration min_latency = Duration::milliseconds(10);   ///< also the engine's lookahead
  Duration max_latency = Duration::milliseconds(100);  ///< latency of the farthest pair
  double bandwidth_bytes_per_s = 1.25e6;               ///< 10 Mbit/s; 0 = infinite
  double loss = 0.0;                                   ///< probability a message is lost
  std::vector<NetworkPartition> partitions;
};

enum class Delivery : std::uint8_t { kDelivered, kLost, kPartitioned };

class NetworkModel {
 public:
  NetworkModel(NetworkParams params, std::uint64_t seed);

  /// Delay of a `bytes`-long message from a to b; never below min_latency.
  [[nodiscard]] Duration delay(PeerId a, PeerId b, std::size_t bytes) const;
  /// Whether the message (src, seq) sent at `at` reaches dst.
  [[nodiscard]] Delivery fate(PeerId src, std::uint64_t seq, PeerId dst, Time at) const;
  /// The smallest delay any message can have: the conservative lookahead.
  [[nodiscard]] Duration lookahead() const { return params_.min_latency; }
  [[nodiscard]] const NetworkParams& params() const { return params_; }

  /// The peer's coordinate in [0,1)^2.
  [[nodiscard]] double x(PeerId p) const;
  [[nodiscard]] double y(PeerId p) const;

 private:
  NetworkParams params_;
  std::uint64_t seed_;
};

}  // namespace p2pgrid
