#include <gtest/gtest.h>
#include <set>

#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/config/config.hpp"

namespace p2pgrid {
namespace {

Scenario load(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return Scenario::from_config(Config::parse(scenario_schema(), text, "bad.toml", overrides));
}

struct BadConfig {
  const char* name;
  const char* toml;
  std::vector<std::string> overrides;
  const char* expected;  // the whole message, so diagnostics cannot silently degrade
};

TEST(Config, MalformedConfigsGiveTheExpectedError) {
  const std::vector<BadConfig> cases{
      {"misspelt key", "[network]\nlos = 0.1\n", {},
       "bad.toml:2: unknown key 'network.los' (did you mean 'network.loss'?)"},
      {"unknown section", "[netwrok]\nloss = 0.1\n", {},
       "bad.toml:2: unknown key 'netwrok.loss' (did you mean 'network.loss'?)"},
      {"wrong type", "[peers]\ncount = \"many\"\n", {}, "bad.toml:2: key 'peers.count': expected an integer, got a string"},
      {"below minimum", "[peers]\ncount = 0\n", {}, "bad.toml:2: key 'peers.count': 0 is below the minimum 1"},
      {"above maximum", "[network]\nloss = 1.5\n", {}, "bad.toml:2: key 'network.loss': 1.5 is above the maximum 0.999999"},
      {"duration without unit", "[run]\nduration = \"60\"\n", {},
       "bad.toml:2: key 'run.duration': '60' has no valid unit (ns, us, ms, s, min, h)"},
      {"duration as number", "[run]\nduration = 60\n", {},
       "bad.toml:2: key 'run.duration': expected a duration string such as \"30s\" or \"10ms\", got an integer"},
      {"bad choice", "[run]\nprotocol = \"kademlia\"\n", {}, "bad.toml:2: key 'run.protocol': 'kademlia' is not one of: "},
      {"syntax error", "[run\nseed = 1\n", {}, "bad.toml:1:5: TOML syntax error: "},
      {"inverted latency", "[network]\nmin_latency = \"50ms\"\nmax_latency = \"10ms\"\n", {},
       "bad.toml: key 'network.max_latency': 10ms is below network.min_latency (50ms)"},
      {"fault on missing peer", "[peers]\ncount = 10\n[[faults]]\nat = \"1s\"\npeers = [3, 10]\n", {},
       "bad.toml: [[faults]] entry 1: peer 10 does not exist (peers.count = 10)"},
      {"misspelt fault key", "[[faults]]\nat = \"1s\"\nfractoin = 0.5\n", {},
       "bad.toml:3: unknown key 'fractoin' in [[faults]] (did you mean 'fraction'?)"},
      {"bad fault action", "[[faults]]\naction = \"explode\"\n", {},
       "bad.toml:2: key 'faults.action': 'explode' is not one of: crash, restart, leave"},
      {"override unknown", "", {"network.lat=3"}, "--set: unknown key 'network.lat'"},
      {"override wrong type", "", {"peers.count=abc"}, "--set: key 'peers.count': expected an integer, got a string"},
      {"override without value", "", {"peers.count"}, "--set peers.count: expected key=value"},
      {"partition heals before it starts",
       "[[network.partitions]]\nstart = \"5s\"\nend = \"1s\"\n", {}, "bad.toml: [[network.partitions]]: end must be after start"},
  };
  for (const auto& c : cases) {
    try {
      load(c.toml, c.overrides);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(c.expected, 0), 0U) << c.name << "\n  got:      " << e.what()
                                                              << "\n  expected: " << c.expected;
    }
  }
}

TEST(Config, DefaultsOverridesAndResolvedTextRoundTrip) {
  const Scenario s = load("[peers]\ncount = 50\n[network]\nloss = 0.25\n", {"run.seed=9", "run.protocol=phold"});
  EXPECT_EQ(s.peers, 50U);
  EXPECT_EQ(s.seed, 9U);
  EXPECT_DOUBLE_EQ(s.network.loss, 0.25);
  EXPECT_EQ(s.network.min_latency, Duration::milliseconds(10));  // default
  // The resolved text is itself a valid config that resolves to the same text.
  const std::string text = s.config.to_toml();
  const Scenario again = load(text);
  EXPECT_EQ(again.config.to_toml(), text);
  EXPECT_EQ(again.seed, 9U);
}

TEST(Config, FaultFractionsPickExactlyThatManyDistinctPeers) {
  const Scenario s = load("[peers]\ncount = 200\n[[faults]]\nat = \"1s\"\nfraction = 0.25\nrestart_after = \"2s\"\n");
  std::set<std::uint32_t> crashed;
  int restarts = 0;
  for (const FaultEvent& f : s.faults.events) {
    if (f.action == FaultAction::kCrash) crashed.insert(f.peer.value);
    if (f.action == FaultAction::kRestart) {
      ++restarts;
      EXPECT_EQ(f.at, Time{Duration::seconds(3).ns});
    }
  }
  EXPECT_EQ(crashed.size(), 50U);
  EXPECT_EQ(restarts, 50);
  // Same seed, same choice; another seed, another choice.
  const Scenario same = load("[peers]\ncount = 200\n[[faults]]\nat = \"1s\"\nfraction = 0.25\nrestart_after = \"2s\"\n");
  EXPECT_EQ(same.faults.events.size(), s.faults.events.size());
  for (std::size_t i = 0; i < s.faults.events.size(); ++i) EXPECT_EQ(same.faults.events[i].peer, s.faults.events[i].peer);
  const Scenario other = load("[run]\nseed = 2\n[peers]\ncount = 200\n[[faults]]\nat = \"1s\"\nfraction = 0.25\n");
  std::set<std::uint32_t> other_crashed;
  for (const FaultEvent& f : other.faults.events) other_crashed.insert(f.peer.value);
  EXPECT_NE(other_crashed, crashed);
}

TEST(Config, SchemaDocumentsEveryKey) {
  const std::string md = scenario_schema().markdown();
  for (const auto& f : scenario_schema().fields()) EXPECT_NE(md.find("`" + f.key + "`"), std::string::npos) << f.key;
}

}  // namespace
}  // namespace p2pgrid
