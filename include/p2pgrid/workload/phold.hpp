#pragma once
/// PHOLD (Fujimoto 1990), the classic engine benchmark, as a protocol: every
/// peer starts `initial` messages; whoever receives one folds it into its
/// digest and forwards it to a uniformly random peer. The network's delay
/// is the hold time. It exercises exactly what the real protocols need
/// (sends across ranks, timers, crashes) and nothing else.

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/protocol.hpp"

namespace p2pgrid::phold {

struct Params {
  std::uint32_t peers = 0;           ///< size of the world to pick targets from
  std::uint32_t initial = 1;         ///< messages each peer injects at start
  Duration think = Duration{0};      ///< mean extra hold (exponential) before forwarding; 0 = none
};

/// One row per live peer at the end of the run.
struct PholdRecord {
  std::uint64_t peer;
  std::uint64_t events;  ///< messages received since the peer last started
  std::uint64_t digest;  ///< order-sensitive hash of (time, sender, payload) of each
  std::int64_t last_ns;  ///< time of the last message received

  static const TableDesc kTable;
};

class Node {
 public:
  Node(PeerId self, const Params& params);
  void on_start(Context& ctx);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes);
  void on_timer(Context& ctx, std::uint64_t tag);
  void on_finish(Context& ctx, bool alive) const;

  /// The state a checkpoint carries (params_ comes from the configuration).
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("phold.events", s.events_);
    v("phold.digest", s.digest_);
    v("phold.last", s.last_);
  }

  [[nodiscard]] std::uint64_t events() const { return events_; }
  [[nodiscard]] std::uint64_t digest() const { return digest_; }

 private:
  void forward(Context& ctx, std::uint64_t hops);

  const Params* params_;
  std::uint64_t events_ = 0;
  std::uint64_t digest_ = 0;
  Time last_;
};

/// Encodes and decodes the one PHOLD message (exposed for codec tests).
std::span<const std::byte> encode_hop(std::span<std::byte, 16> buffer, std::uint64_t hops);
std::uint64_t decode_hop(std::span<const std::byte> bytes);

ProtocolFactory factory(Params params);

}  // namespace p2pgrid::phold
