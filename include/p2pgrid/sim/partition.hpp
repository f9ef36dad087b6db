#pragma once
/// Placement of peers on ranks. Pluggable: results never depend on it, only
/// speed does (cross-rank traffic, balance).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid {

class Partition {
 public:
  Partition() = default;
  Partition(const Partition&) = delete;
  Partition& operator=(const Partition&) = delete;
  virtual ~Partition() = default;
  [[nodiscard]] virtual int rank_of(PeerId p) const = 0;
};

/// "block" (contiguous ranges of ids) or "round_robin" (id mod ranks).
std::unique_ptr<Partition> make_partition(std::string_view kind, std::uint32_t peers, int ranks);

}  // namespace p2pgrid
