// The config loader: TOML text plus --set overrides (after a line "--set",
// one per line) through the scenario schema and the scenario's cross-field
// checks. Anything either loads or throws ConfigError; what loads prints a
// resolved config that loads to the same text.
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/app/scenario.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find("\n--set\n");
  const std::string_view toml = input.substr(0, split);
  std::vector<std::string> overrides;
  if (split != std::string_view::npos) {
    std::string_view rest = input.substr(split + 7);
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      overrides.emplace_back(rest.substr(0, nl));
      rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    }
  }
  try {
    const Config c = Config::parse(scenario_schema(), toml, "fuzz.toml", overrides);
    const std::string resolved = c.to_toml();
    fuzz::require(Config::parse(scenario_schema(), resolved, "resolved.toml").to_toml() == resolved,
                  "config: the resolved text loads to itself");
    // The scenario's own checks; files it would read and scenarios big
    // enough to take the fuzzer's memory are left to other targets.
    if (c.text("availability.file").empty() && c.integer("peers.count") <= 4096) {
      static_cast<void>(Scenario::from_config(c));
    }
  } catch (const ConfigError&) {
  }
  return 0;
}
