// The matchmaker contract in unit tests, one peer driven by hand through a
// ScriptedContext (no engine):
// - PendingRequests: an answer stops its timer; a late answer or a late
//   timeout finds nothing;
// - MatchPort: answers are applied in posting order, including answers
//   posted while applying;
// - RN-Tree: a search asks a child with the job's requirements (so remote
//   peers prune by their subtree maxima), and a child that never answers
//   costs one visit timeout, after which the search answers "not now";
//   a search that covered the whole tree and found nobody answers
//   "unmatchable";
// - CAN: a job no neighbour can run is handed on towards more capable
//   zones; when that forwarding target dies the owner's round ends "not
//   now" after answer_timeout, and escalated rounds forward further, to
//   random capable neighbours above; a job beyond the space is
//   "unmatchable" at once;
// - the owner: once a job's result is in (Done), heartbeats, handoffs and
//   inserts that would start another copy are refused.

#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <set>

#include "p2pgrid/grid/grid_node.hpp"
#include "p2pgrid/grid/match_port.hpp"
#include "p2pgrid/grid/pending_requests.hpp"
#include "match/can_space.hpp"
#include "p2pgrid/match/can_match.hpp"
#include "p2pgrid/match/can_match_messages.hpp"
#include "p2pgrid/match/rntree.hpp"
#include "p2pgrid/match/rntree_messages.hpp"
#include "p2pgrid/match/rntree_parent.hpp"
#include "p2pgrid/overlay/chord/oracle_ring.hpp"
#include "support/scripted_context.hpp"

namespace p2pgrid {
namespace {

using test::ScriptedContext;

TEST(PendingRequests, AnswerStopsTheTimerAndLateEventsFindNothing) {
  ScriptedContext ctx(PeerId{1});
  grid::PendingRequests<int> pending(ProtocolId::kMatch, 7);
  const std::uint32_t a = pending.add(ctx, 10, Duration::seconds(1));
  const std::uint32_t b = pending.add(ctx, 20, Duration::seconds(2));
  ASSERT_NE(a, b);
  ASSERT_EQ(ctx.timers.size(), 2U);
  EXPECT_TRUE(pending.owns(ctx.timers[0].tag));
  EXPECT_EQ(grid::nonce_of_tag(ctx.timers[1].tag), b);

  EXPECT_EQ(pending.answer(ctx, a), std::optional<int>(10));
  EXPECT_TRUE(ctx.timers[0].cancelled) << "an answered request's timer is cancelled";
  EXPECT_EQ(pending.expire(ctx.timers[0].tag), std::nullopt) << "a timeout after the answer finds nothing";

  EXPECT_EQ(pending.expire(ctx.timers[1].tag), std::optional<int>(20));
  EXPECT_EQ(pending.answer(ctx, b), std::nullopt) << "an answer after the timeout finds nothing";
  EXPECT_TRUE(pending.empty());

  pending.add(ctx, 30, Duration::seconds(1));
  pending.withdraw_if(ctx, [](int v) { return v == 30; });
  EXPECT_TRUE(pending.empty());
  EXPECT_TRUE(ctx.timers[2].cancelled);
  EXPECT_FALSE(pending.owns(grid::nonce_tag(ProtocolId::kMatch, 8, 1))) << "another kind's tag";
}

TEST(MatchPort, AppliesAnswersInOrderIncludingThosePostedWhileApplying) {
  grid::MatchPort port;
  port.matched(1, 0, PeerId{5}, {2, 3});
  port.not_now(2, 0, {});
  std::vector<std::uint64_t> order;
  port.drain([&](const grid::MatchAnswer& a) {
    order.push_back(a.job);
    if (a.job == 1) port.unmatchable(3, 0, {});
  });
  EXPECT_EQ(order, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(port.size(), 0U);
}

// --- RN-Tree, one peer by hand ----------------------------------------------

constexpr std::uint32_t kPeers = 32;
constexpr std::uint64_t kSalt = 99;

/// A peer with correct Chord state that is the RN-Tree root (no parent),
/// so a search that finishes its own subtree has searched the whole tree.
struct RootPeer {
  chord::Params chord_params;
  grid::Params grid_params;
  match::RnTreeParams rn_params;
  std::optional<chord::Node> chord;
  std::optional<grid::GridNode> grid;
  std::optional<match::RnTree> rntree;
  PeerId self;

  explicit RootPeer(grid::Resources own) {
    chord_params.peers = kPeers;
    chord_params.salt = kSalt;
    grid_params.capabilities_of = [own](PeerId) { return own; };
    const chord::OracleRing ring(kPeers, kSalt);
    for (std::uint32_t p = 0; p < kPeers; ++p) {
      chord.emplace(PeerId{p}, chord_params);
      chord->oracle_bootstrap(ring);
      if (match::is_rntree_root(*chord)) {
        self = PeerId{p};
        break;
      }
    }
    grid.emplace(self, grid_params);
    rntree.emplace(self, rn_params);
  }
};

std::vector<std::byte> summary_bytes(const match::SubtreeSummary& s) {
  std::array<std::byte, match::rntree::kMaxMessageSize> buffer{};
  const auto bytes = match::rntree::encode(match::rntree::Summary{s}, buffer);
  return {bytes.begin(), bytes.end()};
}

TEST(RnTreeContract, ExploreCarriesTheRequirementsAndADeadChildCostsOneTimeout) {
  RootPeer root({1000, 1024, 50});  // cannot run the job itself
  ASSERT_TRUE(root.self.valid()) << "a ring has an RN-Tree root";
  ScriptedContext ctx(root.self);
  root.grid->on_start(ctx);
  grid::MatchPort port;
  const PeerId child{(root.self.value + 1) % kPeers};
  // A child whose subtree has a node able to run the job.
  const auto summary = summary_bytes({{3000, 8192, 500}, 4, 0});
  root.rntree->on_message(ctx, child, summary, *root.grid, *root.chord, port);
  ctx.sent.clear();

  grid::MatchRequest request;
  request.profile.job = 42;
  request.profile.requirements = {2500, 4096, 0};
  root.rntree->match(ctx, request, *root.grid, *root.chord, port);
  ASSERT_EQ(port.size(), 0U) << "the search waits for the child";
  ASSERT_EQ(ctx.sent.size(), 1U);
  EXPECT_EQ(ctx.sent[0].to, child);
  const match::rntree::Message m = match::rntree::decode(ctx.sent[0].bytes);
  const auto* e = std::get_if<match::rntree::Explore>(&m);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->requirements, request.profile.requirements) << "the child prunes by the job's requirements";

  // The child died: only its visit timer fires.
  const auto visit = ctx.live_timers([](std::uint64_t tag) {
    return protocol_of_tag(tag) == ProtocolId::kMatch && grid::kind_of_tag(tag) == 2;
  });
  ASSERT_EQ(visit.size(), 1U) << "the question has a timeout";
  EXPECT_EQ(visit[0].at, ctx.now() + root.rn_params.visit_timeout);
  ctx.advance_to(visit[0].at);
  root.rntree->on_timer(ctx, visit[0].tag, *root.grid, *root.chord, port);
  ASSERT_EQ(port.size(), 1U) << "the search ends once the dead child is skipped";
  port.drain([&](const grid::MatchAnswer& a) {
    EXPECT_EQ(a.job, 42U);
    EXPECT_EQ(a.verdict, grid::MatchVerdict::kNotNow) << "a skipped subtree might have held a capable node";
  });
}

TEST(RnTreeContract, ASearchOfTheWholeTreeFindingNobodySaysUnmatchable) {
  RootPeer root({1000, 1024, 50});
  ScriptedContext ctx(root.self);
  root.grid->on_start(ctx);
  grid::MatchPort port;
  const PeerId child{(root.self.value + 1) % kPeers};
  root.rntree->on_message(ctx, child, summary_bytes({{3000, 8192, 500}, 4, 0}), *root.grid, *root.chord, port);
  ctx.sent.clear();

  grid::MatchRequest request;
  request.profile.job = 43;
  request.profile.requirements = {0, 65536, 0};  // more memory than any subtree has
  root.rntree->match(ctx, request, *root.grid, *root.chord, port);
  EXPECT_TRUE(ctx.sent.empty()) << "the child's maxima rule its subtree out";
  ASSERT_EQ(port.size(), 1U);
  port.drain([](const grid::MatchAnswer& a) { EXPECT_EQ(a.verdict, grid::MatchVerdict::kUnmatchable); });
}

// --- CAN, one owner by hand ---------------------------------------------------

struct CanOwner {
  test::CanSpace space{64, 3, can::Population::kMixed};
  PeerId self;
  grid::Resources job{};
  grid::Params grid_params;
  match::CanMatchParams match_params;
  std::optional<can::Node> can;
  std::optional<grid::GridNode> grid;
  std::optional<match::CanMatch> match;

  /// Picks a peer whose neighbours, like itself, all have less CPU than
  /// some other node: a job asking for that much has no candidate there.
  CanOwner() {
    const std::uint32_t top = space.params.capabilities.max[0];
    for (std::uint32_t p = 0; p < space.caps.size() && !self.valid(); ++p) {
      std::uint32_t cpu = space.caps[p].value[0];
      for (const can::Neighbour& n : space.table[p].neighbours()) cpu = std::max(cpu, space.caps[n.id.value].value[0]);
      if (cpu + 1 >= top) continue;
      for (const auto& c : space.caps) {
        if (c.value[0] > cpu) {
          self = PeerId{p};
          job = {cpu + 1, 0, 0};
          break;
        }
      }
    }
    can.emplace(self, space.params);
    can->oracle_install({space.zone[self.value]}, space.table[self.value]);
    grid_params.capabilities_of = [caps = space.caps](PeerId p) { return caps[p.value].value; };
    grid.emplace(self, grid_params);
    match.emplace(self, match_params);
  }
};

std::optional<match::canmatch::Forward> forward_in(const test::ScriptedContext::Sent& s) {
  const match::canmatch::Message m = match::canmatch::decode(s.bytes);
  if (const auto* f = std::get_if<match::canmatch::Forward>(&m)) return *f;
  return std::nullopt;
}

TEST(CanContract, ADeadForwardingTargetEndsTheRoundAndLaterRoundsWanderFurther) {
  CanOwner o;
  ASSERT_TRUE(o.self.valid());
  ScriptedContext ctx(o.self);
  o.grid->on_start(ctx);
  grid::MatchPort port;
  grid::MatchRequest request;
  request.profile.job = 5;
  request.profile.requirements = o.job;
  o.match->match(ctx, request, *o.grid, *o.can, port);
  ASSERT_EQ(port.size(), 0U) << "no candidate here: the job was handed on";
  ASSERT_EQ(ctx.sent.size(), 1U);
  const auto first = forward_in(ctx.sent[0]);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->round, 0U);

  // The target died: only the owner's answer timer fires.
  const auto timers = ctx.live_timers([](std::uint64_t tag) {
    return protocol_of_tag(tag) == ProtocolId::kMatch && grid::kind_of_tag(tag) == 1;
  });
  ASSERT_EQ(timers.size(), 1U);
  EXPECT_EQ(timers[0].at, ctx.now() + o.match_params.answer_timeout);
  o.match->on_timer(ctx, timers[0].tag, *o.grid, *o.can, port);
  ASSERT_EQ(port.size(), 1U);
  port.drain([](const grid::MatchAnswer& a) { EXPECT_EQ(a.verdict, grid::MatchVerdict::kNotNow); });

  // Escalated rounds carry their number and pick random neighbours above.
  std::set<PeerId> targets;
  for (std::uint32_t round = 1; round <= 12; ++round) {
    ctx.sent.clear();
    request.round = round;
    o.match->match(ctx, request, *o.grid, *o.can, port);
    ASSERT_EQ(ctx.sent.size(), 1U);
    const auto f = forward_in(ctx.sent[0]);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->round, round);
    targets.insert(ctx.sent[0].to);
  }
  std::size_t above = 0;
  for (const can::Neighbour& n : o.space.table[o.self.value].neighbours()) {
    const can::Zone& theirs = o.space.zone[n.id.value];
    const can::Zone& mine = o.space.zone[o.self.value];
    bool is_above = false;
    for (int d = 0; d < o.space.params.resources; ++d) is_above = is_above || theirs.lo(d) >= mine.hi(d);
    above += is_above ? 1 : 0;
  }
  ASSERT_GT(above, 1U) << "this peer has several neighbours above";
  EXPECT_GT(targets.size(), 1U) << "escalated rounds try other paths";
}

TEST(CanContract, AJobBeyondTheSpaceIsUnmatchableAtOnce) {
  CanOwner o;
  ScriptedContext ctx(o.self);
  o.grid->on_start(ctx);
  grid::MatchPort port;
  grid::MatchRequest request;
  request.profile.job = 6;
  request.profile.requirements = {0, o.space.params.capabilities.max[1] * 4, 0};
  o.match->match(ctx, request, *o.grid, *o.can, port);
  EXPECT_TRUE(ctx.sent.empty());
  ASSERT_EQ(port.size(), 1U);
  port.drain([](const grid::MatchAnswer& a) { EXPECT_EQ(a.verdict, grid::MatchVerdict::kUnmatchable); });
}

// --- The owner refuses new copies once the result is in ---------------------

class RecordingHost final : public grid::Host {
 public:
  void route_to_owner(Context& /*ctx*/, const grid::JobProfile& /*job*/,
                      std::span<const std::byte> /*payload*/) override {}
  void match(Context& /*ctx*/, const grid::MatchRequest& request) override { requests.push_back(request); }
  std::vector<grid::MatchRequest> requests;
};

template <class M>
std::vector<std::byte> grid_bytes(const M& m) {
  std::array<std::byte, grid::kMaxMessageSize> buffer{};
  const auto bytes = grid::encode(grid::Message{m}, buffer);
  return {bytes.begin(), bytes.end()};
}

std::optional<grid::HeartbeatAck> ack_to(const ScriptedContext& ctx, PeerId to) {
  for (const auto& s : ctx.sent) {
    if (s.to != to) continue;
    const grid::Message m = grid::decode(s.bytes);
    if (const auto* a = std::get_if<grid::HeartbeatAck>(&m)) return *a;
  }
  return std::nullopt;
}

TEST(OwnerContract, AfterDoneEveryOtherCopyIsRefused) {
  grid::Params params;
  ScriptedContext ctx(PeerId{9});
  grid::GridNode owner(PeerId{9}, params);
  owner.on_start(ctx);
  RecordingHost host;
  grid::JobProfile job;
  job.job = 7;
  job.client = PeerId{1};
  owner.on_routed(ctx, grid_bytes(grid::Insert{job}), 2, host);
  ASSERT_EQ(host.requests.size(), 1U);
  owner.on_match_answer(ctx, {7, 0, grid::MatchVerdict::kMatched, PeerId{20}, {1, 1}});
  EXPECT_EQ(owner.owned(), 1U);

  owner.on_message(ctx, PeerId{20}, grid_bytes(grid::Done{7, 0}), host);
  ASSERT_TRUE(ack_to(ctx, PeerId{20}).has_value()) << "Done is acknowledged";
  EXPECT_EQ(owner.owned(), 0U);

  // A copy started after a false suspicion speaks up: it is told to drop the job.
  owner.on_message(ctx, PeerId{21}, grid_bytes(grid::Heartbeat{7, 0, grid::JobState::kRunning, Time{0}}), host);
  const auto refused = ack_to(ctx, PeerId{21});
  ASSERT_TRUE(refused.has_value());
  EXPECT_FALSE(refused->keep);
  // A run node that lost contact hands the job over: refused as well.
  owner.on_routed(ctx, grid_bytes(grid::Handoff{job, {}, grid::JobState::kQueued, PeerId{22}}), 3, host);
  const auto handoff = ack_to(ctx, PeerId{22});
  ASSERT_TRUE(handoff.has_value());
  EXPECT_FALSE(handoff->keep);
  // A late duplicate insert starts no new round.
  owner.on_routed(ctx, grid_bytes(grid::Insert{job}), 2, host);
  EXPECT_EQ(host.requests.size(), 1U);
  EXPECT_EQ(owner.owned(), 0U);
}

}  // namespace
}  // namespace p2pgrid
