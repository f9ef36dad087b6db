#pragma once
/// The sharded, conservative discrete-event engine. Each rank hosts the
/// peers a Partition gives it and runs their events in (time, sender,
/// sender's sequence number) order: a key that does not depend on placement,
/// so the same scenario gives the same per-peer history on any number of
/// ranks. Windows are one lookahead (the minimum network latency) long;
/// between windows ranks exchange cross-rank messages and jump to the
/// global earliest pending time.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/sim/engine_stats.hpp"
#include "p2pgrid/sim/exchanger.hpp"
#include "p2pgrid/sim/fault_plan.hpp"
#include "p2pgrid/sim/network_model.hpp"
#include "p2pgrid/sim/partition.hpp"

namespace p2pgrid {

struct EngineParams {
  std::uint32_t peers = 0;
  std::uint64_t seed = 1;
  Time end = Time{Duration::seconds(60).ns};
  /// When each peer first starts; all at time 0 when empty.
  std::function<Time(PeerId)> start_time;
  /// Non-zero: at every multiple of this simulated period, stop (ending the
  /// run there, before `end`) if no rank's Protocol::open_work() is left.
  /// The instants are fixed, so the end does not depend on the rank count.
  Duration idle_check{0};
  /// Count each peer's messages and bytes per protocol (TrafficRecord rows
  /// at the end; the memory cost is stated with the key trace.traffic).
  bool traffic = false;
  bool log = false;
  /// run() stops at the first window that starts at or after this time,
  /// before running it, and leaves the state for save() (a checkpoint).
  Time stop_at = Time::never();
  /// Polled on every rank after each window; when it returns true on any
  /// rank, every rank stops at the next window boundary, as at stop_at
  /// (a signal, a wall-clock checkpoint period).
  std::function<bool()> stop_requested;
};

/// Called on every rank after each window with the next window's start and
/// the events processed so far on all ranks together (progress reporting).
using WindowObserver = std::function<void(Time next_window, std::uint64_t all_events, const EngineStats& local)>;

class Engine {
 public:
  Engine(EngineParams params, const NetworkModel& network, const FaultPlan& faults,
         const Partition& partition, Exchanger& exchanger, TraceSink& trace, const ProtocolFactory& factory);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Runs to params.end (collective: every rank calls it), then calls
  /// on_finish for every local peer.
  EngineStats run(const WindowObserver& observer = {});

  /// True when the last run() stopped at params.stop_at, before the end.
  [[nodiscard]] bool stopped() const;
  /// Where it stopped: the start of the first window not run.
  [[nodiscard]] Time stopped_at() const;
  /// After run() stopped: this rank's state as a checkpoint section, one
  /// PeerCheckpoint per local peer and one EventCheckpoint per pending event
  /// (p2pgrid/sim/checkpoint.hpp). Sections name peers, not ranks.
  [[nodiscard]] std::vector<std::byte> save();
  /// Before run(): replaces the initial state with a checkpoint's, given the
  /// sections of every rank that wrote it (any rank count); keeps the
  /// records of this rank's peers. run() then continues where the
  /// checkpointed run stopped. Throws CheckpointError for bad records.
  void restore(std::span<const std::span<const std::byte>> sections);

  /// What this rank holds now, by category (engine structures, each protocol
  /// layer, trace buffers). Walks every local peer: call it between runs'
  /// windows (the window observer), not per event.
  [[nodiscard]] MemoryUsage memory() const;

  /// This rank's protocol object (tests and oracle bootstraps).
  [[nodiscard]] Protocol& protocol();
  [[nodiscard]] const ShardPeers& shard() const;

 private:
  class Shard;
  std::unique_ptr<Shard> shard_;
};

}  // namespace p2pgrid
