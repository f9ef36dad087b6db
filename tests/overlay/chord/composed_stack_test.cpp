// Chord embedded as a member of a larger per-peer stack, the way the grid
// layer uses it: the stack dispatches messages by peek_protocol and timers
// by protocol_of_tag, passes itself as the Upcalls, and uses lookup(),
// route() and the read-only routing accessors.

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <vector>

#include "local_run.hpp"
#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/overlay/chord/records.hpp"
#include "p2pgrid/overlay/chord/node.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "true_ring.hpp"

namespace p2pgrid::chord::test {
namespace {

struct Delivered {
  std::uint32_t at;
  RingId key;
  std::uint32_t hops;
  std::uint64_t payload;  ///< the 8 payload bytes, little-endian
};

struct Answered {
  std::uint32_t origin;
  std::uint64_t cookie;
  RingId key;
  std::uint32_t owner;
  bool ok;
};

/// What every peer of the stack records (shared by the test, not by peers).
struct Log {
  std::vector<Delivered> delivered;
  std::vector<Answered> answered;
  std::vector<std::uint32_t> next_hop_checks_failed;
};

/// A toy "grid" protocol on top of Chord: at 5 s every peer routes one
/// payload to a key and looks one key up.
class Stack final : public Protocol, public Upcalls {
 public:
  Stack(const ShardPeers& shard, const Params& params, Log& log) : params_(params), log_(log) {
    for (const PeerId p : shard.peers) nodes_.emplace_back(p, params_);
  }
  std::vector<Node>& nodes() { return nodes_; }

  void on_start(Context& ctx) override {
    nodes_[ctx.slot()].on_start(ctx);
    ctx.set_timer(Duration::seconds(5), timer_tag(ProtocolId::kGrid, 1));
  }
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes) override {
    ASSERT_EQ(peek_protocol(bytes), ProtocolId::kChord);
    nodes_[ctx.slot()].on_message(ctx, from, bytes, *this);
  }
  void on_timer(Context& ctx, std::uint64_t tag) override {
    if (protocol_of_tag(tag) == ProtocolId::kChord) {
      nodes_[ctx.slot()].on_timer(ctx, tag, *this);
      return;
    }
    Node& node = nodes_[ctx.slot()];
    const std::uint64_t payload = mix64(ctx.self().value + 1000);
    std::array<std::byte, 8> bytes{};
    for (unsigned i = 0; i < 8; ++i) bytes[i] = static_cast<std::byte>((payload >> (8 * i)) & 0xFF);
    node.route(ctx, payload, bytes, *this);
    node.lookup(ctx, mix64(ctx.self().value + 7), ctx.self().value, *this);
    // next_hop is the successor or a finger/successor-list entry that
    // strictly precedes the key.
    const RingId key = mix64(ctx.self().value + 99);
    const PeerId hop = node.next_hop(key);
    const bool to_succ = hop == node.successor() && in_half_open(key, node.id(), node.id_of(hop));
    if (!to_succ && !in_open(node.id_of(hop), node.id(), key)) log_.next_hop_checks_failed.push_back(ctx.self().value);
  }
  void on_crash(Context& ctx) override { nodes_[ctx.slot()] = Node(ctx.self(), params_); }
  void on_finish(Context& ctx, bool alive) override { nodes_[ctx.slot()].on_finish(ctx, alive); }

  void on_lookup_done(Context& ctx, std::uint64_t cookie, RingId key, PeerId owner, std::uint32_t /*hops*/,
                      Duration /*latency*/, bool ok) override {
    log_.answered.push_back({ctx.self().value, cookie, key, owner.value, ok});
  }
  void on_routed(Context& ctx, RingId key, std::span<const std::byte> payload, std::uint32_t hops) override {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < payload.size() && i < 8; ++i) v |= std::to_integer<std::uint64_t>(payload[i]) << (8 * i);
    log_.delivered.push_back({ctx.self().value, key, hops, payload.size() == 8 ? v : ~0ULL});
  }

 private:
  Params params_;
  Log& log_;
  std::vector<Node> nodes_;
};

TEST(ChordComposedStack, RouteAndLookupReachTheTrueSuccessor) {
  const Scenario s = scenario_of(R"(
[run]
protocol = "chord"
seed = 4
duration = "10s"
[peers]
count = 1500
[chord]
bootstrap = "oracle"
)");
  Log log;
  const Params params = chord_settings(s.config, s.peers, s.seed).params;
  MemoryTraceSink sink;
  run_local(
      s, sink, [&](const ShardPeers& shard) { return std::make_unique<Stack>(shard, params, log); },
      [&](Engine& engine) {
        const OracleRing ring(params.peers, params.salt);
        for (Node& n : dynamic_cast<Stack&>(engine.protocol()).nodes()) n.oracle_bootstrap(ring);
      });
  std::vector<std::uint32_t> all(1500);
  for (std::uint32_t p = 0; p < 1500; ++p) all[p] = p;
  const TrueRing ring(all, s.seed);

  ASSERT_EQ(log.delivered.size(), 1500U);
  double hops = 0;
  for (const Delivered& d : log.delivered) {
    EXPECT_EQ(d.at, ring.successor(d.key)) << "payload for key " << d.key;
    EXPECT_EQ(d.payload, d.key);  // each payload carries its own key
    hops += d.hops;
  }
  // Recursive routing takes the same greedy path plus the final hop to the
  // successor (unless the origin owns the key).
  EXPECT_NEAR(hops / 1500.0, 0.5 * std::log2(1500.0) + 1.0, 0.75);

  ASSERT_EQ(log.answered.size(), 1500U);
  for (const Answered& a : log.answered) {
    EXPECT_TRUE(a.ok);
    EXPECT_EQ(a.cookie, a.origin);
    EXPECT_EQ(a.key, mix64(a.origin + 7));
    EXPECT_EQ(a.owner, ring.successor(a.key));
  }
  EXPECT_TRUE(log.next_hop_checks_failed.empty());
  EXPECT_EQ(sink.rows<SnapshotRecord>().size(), 1500U);
}

}  // namespace
}  // namespace p2pgrid::chord::test
