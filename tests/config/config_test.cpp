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
      // Issue 18: what used to crash, abort or read wrongly.
      {"tables nested 100,000 deep (was a segfault in toml++)", nullptr, {},
       "bad.toml:1: keys or tables nested deeper than 16 levels (a scenario uses at most 3)"},
      {"dotted key 100,000 deep (was a segfault in toml++)", nullptr, {},
       "bad.toml:1: keys or tables nested deeper than 16 levels (a scenario uses at most 3)"},
      {"duration 1e30 s", "[run]\nduration = \"1e30s\"\n", {},
       "bad.toml:2: key 'run.duration': '1e30s' is out of range (durations are at most 292 years)"},
      {"duration of 30 digits", "[run]\nduration = \"100000000000000000000000000000s\"\n", {},
       "bad.toml:2: key 'run.duration': '100000000000000000000000000000s' is out of range (durations are at most 292 "
       "years)"},
      {"override overflows 64 bits", "", {"peers.count=99999999999999999999"},
       "--set: key 'peers.count': 99999999999999999999 is out of range (beyond a 64-bit integer)"},
      {"override above a 32-bit member", "[run]\nprotocol = \"grid\"\n", {"match.server=4294967296"},
       "--set: key 'match.server': 4294967296 is above the maximum 4e+09"},
      {"override above a 16-bit member", "[run]\nprotocol = \"can\"\n", {"can.max_hops=70000"},
       "--set: key 'can.max_hops': 70000 is above the maximum 65535"},
      {"key of another protocol", "[run]\nprotocol = \"chord\"\n[can]\nresources = 2\n", {},
       "bad.toml:4: key 'can.resources' does not apply: it configures the CAN overlay, which this scenario "
       "(run.protocol = \"chord\") does not use"},
      {"key of another matchmaker", "[run]\nprotocol = \"grid\"\n[match]\nkind = \"central\"\n", {"match.k=8"},
       "--set: key 'match.k' does not apply: it configures the rntree matchmaker, which this scenario (run.protocol = "
       "\"grid\", match.kind = \"central\", workload.source = \"synthetic\") does not use"},
      {"overlay of another matchmaker", "[run]\nprotocol = \"grid\"\n[match]\nkind = \"can\"\n[chord]\nstabilize = \"5s\"\n",
       {}, "bad.toml:6: key 'chord.stabilize' does not apply: it configures the Chord overlay, which this scenario "
           "(run.protocol = \"grid\", match.kind = \"can\", workload.source = \"synthetic\") does not use"},
      {"synthetic key with an SWF log", "[run]\nprotocol = \"grid\"\n[workload]\nsource = \"swf\"\njobs = 5\n", {},
       "bad.toml:5: key 'workload.jobs' does not apply: it configures the paper's job stream (workload.source = "
       "\"synthetic\", workload.users = \"per_client\"), which this scenario (run.protocol = \"grid\", match.kind = "
       "\"central\", workload.source = \"swf\") does not use"},
      {"partition heals before it starts",
       "[[network.partitions]]\nstart = \"5s\"\nend = \"1s\"\n", {}, "bad.toml: [[network.partitions]]: end must be after start"},
  };
  std::string deep_key = "a";
  for (int i = 0; i < 99'999; ++i) deep_key += ".a";
  const std::string deep_table = "[" + deep_key + "]\n";
  deep_key += " = 1\n";
  for (const auto& c : cases) {
    const std::string name(c.name);
    const std::string text = c.toml != nullptr ? c.toml : name.starts_with("tables") ? deep_table : deep_key;
    try {
      load(text, c.overrides);
      ADD_FAILURE() << c.name << ": accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(c.expected, 0), 0U) << c.name << "\n  got:      " << e.what()
                                                              << "\n  expected: " << c.expected;
    }
  }
}

TEST(Config, KeysOfAnotherProtocolAreAllowedWhenAskedForOrAtTheirDefault) {
  // A paper scenario serves every matchmaker through --set match.kind=...
  const std::string text =
      "[run]\nprotocol = \"grid\"\ninapplicable_keys = \"allow\"\n[can]\nupdate_period = \"10s\"\n";
  EXPECT_EQ(load(text).config.duration("can.update_period"), Duration::seconds(10));
  // A resolved config lists every key at its value; the defaults of unused sections are harmless.
  EXPECT_NO_THROW(load("[run]\nprotocol = \"chord\"\n[can]\nresources = 3\n"));
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
