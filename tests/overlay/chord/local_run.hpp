#pragma once
// Runs a scenario on one process (LocalExchanger, no MPI) into a memory sink.

#include <functional>
#include <string>
#include <vector>

#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/config/config.hpp"
#include "p2pgrid/sim/engine.hpp"
#include "p2pgrid/sim/exchanger.hpp"
#include "p2pgrid/sim/partition.hpp"

namespace p2pgrid::chord::test {

inline Scenario scenario_of(const std::string& toml, const std::vector<std::string>& overrides = {}) {
  return Scenario::from_config(Config::parse(scenario_schema(), toml, "test.toml", overrides));
}

/// Runs with the scenario's own deployment, or with `factory` if given;
/// `inspect` sees the engine after the run (the test's oracle reads the
/// final per-peer state there, never the protocol).
inline EngineStats run_local(const Scenario& s, MemoryTraceSink& sink, const ProtocolFactory& factory = {},
                             const std::function<void(Engine&)>& prepare = {},
                             const std::function<void(Engine&)>& inspect = {}) {
  const NetworkModel network(s.network, s.seed);
  const auto partition = make_partition(s.partition, s.peers, 1);
  LocalExchanger exchanger;
  const Deployment d = s.deploy();
  EngineParams params;
  params.peers = s.peers;
  params.seed = s.seed;
  params.end = s.end;
  params.start_time = d.start_time;
  params.log = s.config.boolean("run.log");
  Engine engine(params, network, s.faults, *partition, exchanger, sink, factory ? factory : d.factory);
  if (prepare) {
    prepare(engine);
  } else if (d.prepare) {
    d.prepare(engine);
  }
  const EngineStats stats = engine.run();
  if (inspect) inspect(engine);
  return stats;
}

}  // namespace p2pgrid::chord::test
