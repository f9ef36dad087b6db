#pragma once
/// Rumour spreading (push gossip, Demers et al. 1987): peer 0 knows a rumour
/// at time 0; a peer that hears it for the first time pushes it to `fanout`
/// peers drawn from its own random stream. Written outside p2pgrid, against
/// its public API only (Context, NodeProtocol, TableDesc).

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/protocol.hpp"

namespace gossip {

struct Params {
  std::uint32_t peers = 0;
  std::uint32_t fanout = 3;
};

/// One row per peer at the end: when it first heard the rumour.
struct RumourRecord {
  std::uint32_t peer;
  std::uint32_t hops;     ///< pushes between peer 0 and this peer
  std::int64_t heard_ns;  ///< -1: never

  static const p2pgrid::TableDesc kTable;
};

class Node {
 public:
  Node(p2pgrid::PeerId self, const Params& params);
  void on_start(p2pgrid::Context& ctx);
  void on_message(p2pgrid::Context& ctx, p2pgrid::PeerId from, std::span<const std::byte> bytes);
  void on_timer(p2pgrid::Context& /*ctx*/, std::uint64_t /*tag*/) {}
  void on_finish(p2pgrid::Context& ctx, bool alive) const;

 private:
  void hear(p2pgrid::Context& ctx, std::uint32_t hops);

  const Params* params_;
  std::int64_t heard_ns_ = -1;
  std::uint32_t hops_ = 0;
};

p2pgrid::ProtocolFactory factory(Params params);

}  // namespace gossip
