// grid.queue = fair_global, one run node and the central server driven by
// hand: the server counts every start in the grid (UsageUpdate), the run
// node asks it for the global usage of the users waiting there
// (UsageReport) and starts the job of the user with the least weighted
// global usage. A light user's job overtakes a heavy user's job that a run
// node with only its own accounts would start first, because the heavy
// user had the rest of the grid.

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/grid_node.hpp"
#include "support/scripted_context.hpp"

namespace p2pgrid::grid {
namespace {

constexpr PeerId kServer{1};
constexpr PeerId kNode{5};
constexpr PeerId kOwner{9};
constexpr PeerId kClient{3};
constexpr std::uint32_t kHeavy = 0;
constexpr std::uint32_t kLight = 7;

class NoHost final : public Host {
 public:
  void route_to_owner(Context& /*ctx*/, const JobProfile& /*job*/, std::span<const std::byte> /*payload*/) override {}
  void match(Context& /*ctx*/, const MatchRequest& /*request*/) override {}
};

Params params(QueuePolicy policy, UserWeights weights = {}) {
  Params p;
  p.queue_policy = policy;
  p.fair_half_life = Duration::seconds(3600);
  p.usage_server = kServer;
  p.user_weights = std::move(weights);
  return p;
}

JobProfile job(std::uint32_t sequence, std::uint32_t user, Duration run_time) {
  JobProfile p;
  p.job = (std::uint64_t{kClient.value} << 32U) | sequence;
  p.guid = 1000 + sequence;
  p.client = kClient;
  p.run_time = run_time;
  p.user = user;
  return p;
}

std::vector<std::byte> bytes_of(const Message& m) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto b = encode(m, buffer);
  return {b.begin(), b.end()};
}

/// The server, the run node, and the messages between them, delivered at once.
struct Grid {
  explicit Grid(const Params& p) : params(p), server(kServer, params), node(kNode, params) {
    server.on_start(server_ctx);
    node.on_start(node_ctx);
  }

  /// Delivers what the node sent to the server, and the server's answers back.
  void exchange() {
    for (bool moved = true; moved;) {
      moved = false;
      std::vector<test::ScriptedContext::Sent> out;
      out.swap(node_ctx.sent);
      for (const auto& s : out) {
        if (s.to != kServer) continue;  // Results, Dones: not for the server
        ++updates;
        server_ctx.advance_to(node_ctx.now());
        server.on_message(server_ctx, kNode, s.bytes, host);
        moved = true;
      }
      out.clear();
      out.swap(server_ctx.sent);
      for (const auto& s : out) {
        EXPECT_EQ(s.to, kNode);
        ++reports;
        node.on_message(node_ctx, kServer, s.bytes, host);
        moved = true;
      }
    }
  }
  void assign(const JobProfile& p) {
    node.on_message(node_ctx, kOwner, bytes_of(Assign{p, {}}), host);
    exchange();
  }
  /// A start elsewhere in the grid, as another run node reports it.
  void start_elsewhere(PeerId other, std::uint32_t user, Duration work) {
    UsageUpdate m;
    m.charged_user = user;
    m.charged_work = work;
    server_ctx.advance_to(node_ctx.now());
    server.on_message(server_ctx, other, bytes_of(m), host);
    EXPECT_TRUE(server_ctx.sent.empty()) << "a charge without questions gets no answer";
  }
  /// Lets the running job finish at `t`; returns the job the node reported finished.
  std::uint64_t finish_at(Time t) {
    node_ctx.advance_to(t);
    const auto timers = node_ctx.live_timers([](std::uint64_t tag) {
      return protocol_of_tag(tag) == ProtocolId::kGrid && local_of_tag(tag) == 3;  // the completion timer
    });
    EXPECT_FALSE(timers.empty());
    node_ctx.timers.clear();
    node.on_timer(node_ctx, timers.back().tag, host);
    std::optional<std::uint64_t> done;
    for (const auto& s : node_ctx.sent) {
      if (s.to != kClient) continue;
      const Message m = decode(s.bytes);
      if (const auto* r = std::get_if<Result>(&m)) done = r->job;
    }
    exchange();
    EXPECT_TRUE(done.has_value());
    return done.value_or(0);
  }

  Params params;
  GridNode server;
  GridNode node;
  test::ScriptedContext server_ctx{kServer};
  test::ScriptedContext node_ctx{kNode};
  NoHost host;
  int updates = 0;
  int reports = 0;
};

/// The node runs a long job of the light user, then gets a job of the heavy
/// user and a second of the light user; meanwhile the heavy user had 20
/// jobs of 20 min elsewhere. Returns the jobs in the order they finished.
std::vector<std::uint64_t> run_scenario(Grid& g) {
  for (std::uint32_t i = 0; i < 20; ++i) g.start_elsewhere(PeerId{20 + i}, kHeavy, Duration::seconds(1200));
  g.assign(job(1, kLight, Duration::seconds(1800)));  // starts at once
  g.node_ctx.advance_to(Time{Duration::seconds(10).ns});
  g.assign(job(2, kHeavy, Duration::seconds(1200)));
  g.node_ctx.advance_to(Time{Duration::seconds(20).ns});
  g.assign(job(3, kLight, Duration::seconds(600)));
  std::vector<std::uint64_t> order;
  order.push_back(g.finish_at(Time{Duration::seconds(1800).ns}));
  order.push_back(g.finish_at(Time{Duration::seconds(4000).ns}));
  order.push_back(g.finish_at(Time{Duration::seconds(8000).ns}));
  return order;
}

std::uint64_t id(std::uint32_t sequence) { return (std::uint64_t{kClient.value} << 32U) | sequence; }

TEST(FairGlobal, LocalAccountsStartTheHeavyUsersJob) {
  // The baseline the global variant must beat: this node gave the light
  // user 30 min and the heavy user nothing, so the heavy user goes first.
  Grid g(params(QueuePolicy::kFair));
  EXPECT_EQ(run_scenario(g), (std::vector<std::uint64_t>{id(1), id(2), id(3)}));
  EXPECT_EQ(g.updates, 0) << "the local fair queue sends nothing";
}

TEST(FairGlobal, GlobalAccountsLetTheLightUserOvertake) {
  Grid g(params(QueuePolicy::kFairGlobal));
  EXPECT_EQ(run_scenario(g), (std::vector<std::uint64_t>{id(1), id(3), id(2)}));
  // Updates: the first start (nobody waiting: no answer), the two jobs
  // that waited (each answered), the second start (the heavy job still
  // waits: answered), the third start (nobody waiting).
  EXPECT_EQ(g.updates, 5);
  EXPECT_EQ(g.reports, 3);
}

TEST(FairGlobal, WeightsApplyToTheGlobalUsage) {
  // The heavy user weighs 100: 21 x 1200 s / 100 = 252 s, less than the
  // light user's 1800 s, so its job goes first again.
  Grid g(params(QueuePolicy::kFairGlobal, [](std::uint32_t u) { return u == kHeavy ? 100.0 : 1.0; }));
  EXPECT_EQ(run_scenario(g), (std::vector<std::uint64_t>{id(1), id(2), id(3)}));
}

TEST(FairGlobal, OnlyTheServerAnswers) {
  // A run node that is not the server ignores a question (nobody should
  // have asked it); the server answers with its figures, decayed to now.
  Grid g(params(QueuePolicy::kFairGlobal));
  UsageUpdate ask;
  ask.count = 1;
  ask.users[0] = kHeavy;
  g.node.on_message(g.node_ctx, PeerId{30}, bytes_of(ask), g.host);
  EXPECT_TRUE(g.node_ctx.sent.empty());
  g.start_elsewhere(PeerId{20}, kHeavy, Duration::seconds(1000));
  g.server_ctx.advance_to(Time{Duration::seconds(3600).ns});
  g.server.on_message(g.server_ctx, PeerId{30}, bytes_of(ask), g.host);
  ASSERT_EQ(g.server_ctx.sent.size(), 1U);
  EXPECT_EQ(g.server_ctx.sent[0].to, PeerId{30});
  const auto report = std::get<UsageReport>(decode(g.server_ctx.sent[0].bytes));
  ASSERT_EQ(report.count, 1U);
  EXPECT_EQ(report.entries[0].user, kHeavy);
  EXPECT_EQ(report.entries[0].usage, Duration::seconds(500)) << "one half-life later";
}

}  // namespace
}  // namespace p2pgrid::grid
