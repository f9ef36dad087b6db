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

/// "block" (contiguous ranges of ids), "round_robin" (id mod ranks) or
/// "ring" (contiguous arcs of the Chord ring of ring_id_of(peer, salt): a
/// Chord peer's successor, predecessor and near fingers then share its
/// rank, so far fewer messages cross ranks; balanced in expectation).
std::unique_ptr<Partition> make_partition(std::string_view kind, std::uint32_t peers, int ranks,
                                          std::uint64_t salt = 0);

}  // namespace p2pgrid
