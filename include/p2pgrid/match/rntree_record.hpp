#pragma once
/// The RN-Tree at the end of the run: one row per live peer (the
/// `rntree_parents` table), so tests and analyses can check the tree's
/// shape and its aggregated state against the peers' true capabilities.

#include <cstdint>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid::match {

struct RnTreeParentRecord {
  std::uint32_t peer;
  std::uint32_t parent;        ///< 0xFFFFFFFF: root, or not joined
  std::uint32_t joined;        ///< 1 if the peer is on the Chord ring
  std::uint32_t root;          ///< 1 if it considers itself the root
  std::uint32_t subtree_size;  ///< 1 + the sizes its live children last reported
  std::uint32_t children;      ///< children heard within the lifetime
  std::uint32_t max_cpu;       ///< subtree maxima as aggregated here
  std::uint32_t max_memory;
  std::uint32_t max_disk;

  static const TableDesc kTable;
};

}  // namespace p2pgrid::match
