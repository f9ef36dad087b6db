#include "p2pgrid/grid/messages.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace p2pgrid::grid {
namespace {

JobProfile profile() {
  JobProfile p;
  p.job = (std::uint64_t{7} << 32U) | 3U;
  p.guid = 0xFEEDFACECAFEBEEFULL;
  p.client = PeerId{7};
  p.attempt = 2;
  p.requirements = {1500, 0, 250};
  p.input_bytes = 102400;
  p.run_time = Duration::seconds(200);
  p.submitted = Time{Duration::seconds(61).ns};
  return p;
}

JobHistory history() { return {Time{5}, Time{9}, 4, 6, 1}; }

UsageUpdate usage_update() {
  UsageUpdate m;
  m.charged_user = 9;
  m.charged_work = Duration::seconds(1200);
  m.count = 3;
  m.users = {4, 17, 50};
  return m;
}

UsageReport usage_report() {
  UsageReport m;
  m.count = kUsageUsers;  // a full report: the largest grid message but the Handoff
  for (std::uint8_t i = 0; i < m.count; ++i) m.entries[i] = UsageEntry{100U + i, Duration::seconds(3600 * i)};
  return m;
}

std::vector<Message> every_message() {
  return {Insert{profile()},
          Assign{profile(), history()},
          Heartbeat{11, 1, JobState::kRunning, Time{77}},
          HeartbeatAck{11, 1, false},
          Status{11, 0, JobState::kQueued, PeerId{5}, 2},
          Result{11, 2, PeerId{3}, 0xABCDULL, Time{1000}, history()},
          Done{11, 2},
          Handoff{profile(), history(), JobState::kQueued, PeerId{42}},
          Failed{11, 3, OwnerVerdict::kUnmatchable, 17, 42},
          Withdraw{11, 1},
          ResultAck{11, 2},
          usage_update(),
          usage_report()};
}

bool same(const JobProfile& a, const JobProfile& b) {
  return a.job == b.job && a.guid == b.guid && a.client == b.client && a.attempt == b.attempt &&
         a.requirements == b.requirements && a.input_bytes == b.input_bytes && a.run_time == b.run_time &&
         a.submitted == b.submitted;
}

TEST(GridMessages, EveryMessageRoundTrips) {
  for (const Message& m : every_message()) {
    std::array<std::byte, kMaxMessageSize> buffer{};
    const auto bytes = encode(m, buffer);
    const Message back = decode(bytes);
    ASSERT_EQ(back.index(), m.index());
    std::array<std::byte, kMaxMessageSize> again{};
    const auto bytes2 = encode(back, again);
    EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), bytes2.begin(), bytes2.end())) << "type " << m.index();
  }
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto handoff = std::get<Handoff>(decode(encode(every_message()[7], buffer)));
  EXPECT_TRUE(same(handoff.profile, profile()));
  EXPECT_EQ(handoff.run_node, PeerId{42});
  EXPECT_EQ(handoff.history.match_messages, 6U);
}

TEST(GridMessages, EveryTruncationAndTrailingByteIsRejected) {
  for (const Message& m : every_message()) {
    std::array<std::byte, kMaxMessageSize> buffer{};
    const auto bytes = encode(m, buffer);
    for (std::size_t len = 0; len < bytes.size(); ++len) {
      const std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_THROW(decode(cut), DecodeError) << "type " << m.index() << " length " << len;
    }
    std::vector<std::byte> longer(bytes.begin(), bytes.end());
    longer.push_back(std::byte{0});
    EXPECT_THROW(decode(longer), DecodeError);
  }
}

TEST(GridMessages, MalformedFieldsAreNamed) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto bytes = encode(Heartbeat{1, 0, JobState::kQueued, Time{0}}, buffer);
  std::vector<std::byte> bad(bytes.begin(), bytes.end());
  bad[3 + 8 + 4] = std::byte{9};  // the state byte
  try {
    decode(bad);
    ADD_FAILURE() << "accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'state' at byte 16: unknown job state 9"), std::string::npos)
        << e.what();
  }
  bad = {std::byte{4}, std::byte{kWireVersion}, std::byte{99}};
  EXPECT_THROW(decode(bad), DecodeError);

  const auto failed = encode(Failed{1, 0, OwnerVerdict::kMatchDeadline}, buffer);
  bad.assign(failed.begin(), failed.end());
  bad.at(15) = std::byte{7};  // the reason byte, after the header (3), job (8) and attempt (4)
  try {
    decode(bad);
    ADD_FAILURE() << "accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'reason' at byte 16: unknown failure reason 7"), std::string::npos)
        << e.what();
  }
}

TEST(GridMessages, AttemptOnlyMessagesKeepTheirFields) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto w = std::get<Withdraw>(decode(encode(Withdraw{0x123456789ULL, 7}, buffer)));
  EXPECT_EQ(w.job, 0x123456789ULL);
  EXPECT_EQ(w.attempt, 7U);
  const auto a = std::get<ResultAck>(decode(encode(ResultAck{5, 3}, buffer)));
  EXPECT_EQ(a.job, 5U);
  EXPECT_EQ(a.attempt, 3U);
  const auto f = std::get<Failed>(decode(encode(Failed{9, 1, OwnerVerdict::kUnmatchable, 1234, 0xFFFFFFFFU}, buffer)));
  EXPECT_EQ(f.reason, OwnerVerdict::kUnmatchable);
  EXPECT_EQ(f.match_hops, 1234U);
  EXPECT_EQ(f.match_messages, 0xFFFFFFFFU);
}

TEST(GridMessages, UsageMessagesKeepTheirListsAndRefuseBadCounts) {
  std::array<std::byte, kMaxMessageSize> buffer{};
  const auto u = std::get<UsageUpdate>(decode(encode(usage_update(), buffer)));
  EXPECT_EQ(u.charged_user, 9U);
  EXPECT_EQ(u.charged_work, Duration::seconds(1200));
  ASSERT_EQ(u.count, 3U);
  EXPECT_EQ(u.users[2], 50U);
  const auto r = std::get<UsageReport>(decode(encode(usage_report(), buffer)));
  ASSERT_EQ(r.count, kUsageUsers);
  EXPECT_EQ(r.entries[7].user, 107U);
  EXPECT_EQ(r.entries[7].usage, Duration::seconds(3600 * 7));

  // A count above the capacity is refused by name, before any item is read.
  UsageUpdate one = usage_update();
  one.count = 1;
  const auto bytes = encode(one, buffer);
  std::vector<std::byte> bad(bytes.begin(), bytes.end());
  bad[3 + 4 + 8] = std::byte{kUsageUsers + 1};
  try {
    decode(bad);
    ADD_FAILURE() << "accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("users"), std::string::npos) << e.what();
  }
  // Negative usage is refused by name.
  UsageReport neg;
  neg.count = 1;
  neg.entries[0] = UsageEntry{1, Duration{-5}};
  const auto nb = encode(neg, buffer);
  try {
    decode(std::vector<std::byte>(nb.begin(), nb.end()));
    ADD_FAILURE() << "accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'usage'"), std::string::npos) << e.what();
  }
}

TEST(GridMessages, SatisfiesNeedsEveryConstrainedResource) {
  EXPECT_TRUE(satisfies({2000, 4096, 100}, {0, 0, 0}));
  EXPECT_TRUE(satisfies({2000, 4096, 100}, {2000, 4096, 100}));
  EXPECT_FALSE(satisfies({2000, 4096, 100}, {2001, 0, 0}));
  EXPECT_FALSE(satisfies({2000, 4096, 100}, {0, 0, 101}));
}

}  // namespace
}  // namespace p2pgrid::grid
