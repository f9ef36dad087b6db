#pragma once
/// A scenario: the validated config turned into what the engine needs. Every
/// rank builds the same Scenario from the same file, so nothing here may
/// depend on the rank.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/config/config.hpp"
#include "p2pgrid/sim/engine.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "p2pgrid/sim/network_model.hpp"

namespace p2pgrid {

/// What a protocol binding hands the engine.
struct Deployment {
  ProtocolFactory factory;
  std::function<Time(PeerId)> start_time;  ///< empty: every peer starts at 0
  /// Runs on every rank with the built engine before the first event: an
  /// explicitly named oracle bootstrap may set this rank's peers' state.
  std::function<void(Engine&)> prepare;
  /// Every trace table this stack may write (datasets are created up front,
  /// collectively, so every rank must know them all).
  std::vector<const TableDesc*> tables;
  /// Peers the fault plan and churn never touch (e.g. the workload's
  /// clients, whose loss would take their job records with them).
  std::function<bool(PeerId)> exempt;
  /// Stacks with a grid: each peer's capabilities (CPU, memory, disk in
  /// grid::kResourceUnits) and how long a job of a nominal run time runs on
  /// it, for the nodes table. Empty: capabilities 0, busy = run time.
  std::function<std::array<std::uint32_t, 3>(PeerId)> capabilities;
  std::function<Duration(PeerId, Duration)> run_time_on;
  /// Non-zero: the engine stops at the first multiple of this period at
  /// which the stack has no open work (EngineParams::idle_check).
  Duration idle_check{0};
};

/// Which key owners (Schema::owner) a scenario uses, and the choices that
/// decided it, for the error that names a key set to no effect.
struct KeyUse {
  std::vector<std::string> owners;
  std::string chosen_by;  ///< e.g. `run.protocol = "grid", match.kind = "central"`
};

/// Glue between the config and one protocol stack: declares its fields and
/// builds its factory. Protocol code itself never sees the config.
struct ProtocolBinding {
  std::string_view name;
  std::string_view help;
  void (*declare)(Schema& schema);
  Deployment (*deploy)(const Config& config, std::uint32_t peers, std::uint64_t seed);
  KeyUse (*uses)(const Config& config);
};

/// Every protocol stack the harness can run, by `run.protocol` name.
const std::vector<ProtocolBinding>& protocol_bindings();

/// The full schema: run, network, faults, trace, progress, and every binding.
const Schema& scenario_schema();

struct Scenario {
  explicit Scenario(Config c) : config(std::move(c)) {}

  Config config;
  std::uint32_t peers = 0;
  std::uint64_t seed = 0;
  Time end;
  std::string protocol;
  std::string partition;
  NetworkParams network;
  FaultPlan faults;
  Duration progress_interval;  ///< wall-clock seconds between progress lines, as a Duration
  Duration checkpoint_every;   ///< wall-clock time between periodic checkpoints (0: none)

  /// Validates everything that can be checked before a run (cross-field
  /// rules included); throws ConfigError naming the file and key.
  static Scenario load(const std::string& path, const std::vector<std::string>& overrides);
  static Scenario from_config(Config config);

  /// The protocol stack's deployment, built on first use and kept: the CLI's
  /// validation, the trace and the run share one (a job plan or an SWF
  /// log is read once, not three times).
  [[nodiscard]] const Deployment& deploy() const;

 private:
  mutable std::shared_ptr<const Deployment> deployment_;
};

/// Physical memory of this machine, in bytes.
std::uint64_t machine_memory_bytes();

/// A lower bound of the memory a run needs on one host, against
/// `machine_bytes`: every rank holds the whole job plan; the peers and
/// their first events are shared among `ranks`, of which `ranks_on_host`
/// run here. `ranks` = 0 counts only what every rank holds in full (known
/// before the rank count is). Names the key that asks for the most.
std::optional<std::string> memory_problem(const Scenario& scenario, int ranks, int ranks_on_host,
                                          std::uint64_t machine_bytes);

}  // namespace p2pgrid
