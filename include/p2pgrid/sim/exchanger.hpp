#pragma once
/// The one collective step of the conservative engine, behind an interface
/// so the engine takes an injected communicator (MPI, or a single rank).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

using ByteBuffer = std::vector<std::byte>;

class Exchanger {
 public:
  Exchanger() = default;
  Exchanger(const Exchanger&) = delete;
  Exchanger& operator=(const Exchanger&) = delete;
  virtual ~Exchanger() = default;

  [[nodiscard]] virtual int rank() const = 0;
  [[nodiscard]] virtual int size() const = 0;

  /// What all ranks agree on after a window.
  struct Agreement {
    Time next;                  ///< earliest pending event anywhere
    std::uint64_t events = 0;   ///< sum of the ranks' event counts (progress)
    bool flush = false;         ///< some rank wants the trace flushed
    bool stop = false;          ///< some rank was asked to stop (a signal, a checkpoint period)
  };

  /// Sends outbox[r] to rank r and fills inbox[r] with what rank r sent
  /// here (outbox[rank()] must be empty). `local_next` is the earliest time
  /// this rank knows of, including its outgoing messages. Every rank calls
  /// it the same number of times.
  virtual Agreement exchange(std::vector<ByteBuffer>& outbox, std::vector<ByteBuffer>& inbox, Time local_next,
                             std::uint64_t local_events, bool local_flush, bool local_stop) = 0;

  /// The sum of every rank's `local` (collective, between windows only).
  virtual std::uint64_t sum(std::uint64_t local) = 0;
};

/// The one-rank case: nothing to exchange.
class LocalExchanger final : public Exchanger {
 public:
  [[nodiscard]] int rank() const override { return 0; }
  [[nodiscard]] int size() const override { return 1; }
  Agreement exchange(std::vector<ByteBuffer>& /*outbox*/, std::vector<ByteBuffer>& /*inbox*/, Time local_next,
                     std::uint64_t local_events, bool local_flush, bool local_stop) override {
    return {local_next, local_events, local_flush, local_stop};
  }
  std::uint64_t sum(std::uint64_t local) override { return local; }
};

}  // namespace p2pgrid
