#include "p2pgrid/sim/partition.hpp"

#include <stdexcept>
#include <string>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid {
namespace {

/// Contiguous id ranges; the first (peers % ranks) ranks get one more peer.
class BlockPartition final : public Partition {
 public:
  BlockPartition(std::uint32_t peers, int ranks)
      : base_(peers / static_cast<std::uint32_t>(ranks)), extra_(peers % static_cast<std::uint32_t>(ranks)) {}
  [[nodiscard]] int rank_of(PeerId p) const override {
    const std::uint32_t big = extra_ * (base_ + 1);  // ids held by the larger blocks
    if (p.value < big) return static_cast<int>(p.value / (base_ + 1));
    return static_cast<int>(extra_ + (p.value - big) / base_);
  }

 private:
  std::uint32_t base_;
  std::uint32_t extra_;
};

class RoundRobinPartition final : public Partition {
 public:
  explicit RoundRobinPartition(int ranks) : ranks_(static_cast<std::uint32_t>(ranks)) {}
  [[nodiscard]] int rank_of(PeerId p) const override { return static_cast<int>(p.value % ranks_); }

 private:
  std::uint32_t ranks_;
};

/// Rank r holds the peers whose ring id lies in [r, r + 1) * 2^64 / ranks.
class RingPartition final : public Partition {
 public:
  RingPartition(int ranks, std::uint64_t salt) : ranks_(static_cast<std::uint64_t>(ranks)), salt_(salt) {}
  [[nodiscard]] int rank_of(PeerId p) const override {
    return static_cast<int>((static_cast<Uint128>(ring_id_of(p, salt_)) * ranks_) >> 64U);
  }

 private:
  std::uint64_t ranks_;
  std::uint64_t salt_;
};

}  // namespace

std::unique_ptr<Partition> make_partition(std::string_view kind, std::uint32_t peers, int ranks, std::uint64_t salt) {
  if (ranks <= 0) throw std::invalid_argument("number of ranks must be positive");
  if (peers < static_cast<std::uint32_t>(ranks)) {
    throw std::invalid_argument("fewer peers (" + std::to_string(peers) + ") than ranks (" + std::to_string(ranks) +
                                ")");
  }
  if (kind == "block") return std::make_unique<BlockPartition>(peers, ranks);
  if (kind == "round_robin") return std::make_unique<RoundRobinPartition>(ranks);
  if (kind == "ring") return std::make_unique<RingPartition>(ranks, salt);
  throw std::invalid_argument("unknown partition '" + std::string(kind) + "' (expected block, round_robin or ring)");
}

}  // namespace p2pgrid
