#pragma once
// A Context for driving one peer's handlers by hand in unit tests: it
// records what the peer sends and which timers it sets or cancels, and the
// test moves the clock and fires timers itself. No engine, no network.

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/api/memory_trace_sink.hpp"

namespace p2pgrid::test {

class ScriptedContext final : public Context {
 public:
  struct Sent {
    PeerId to;
    std::vector<std::byte> bytes;
  };
  struct Timer {
    TimerId id;
    Time at;
    std::uint64_t tag;
    bool cancelled = false;
  };

  explicit ScriptedContext(PeerId self, std::uint64_t seed = 1) : self_(self), rng_(seed, self, Purpose::kProtocol) {}

  [[nodiscard]] Time now() const override { return now_; }
  [[nodiscard]] PeerId self() const override { return self_; }
  void send(PeerId to, std::span<const std::byte> bytes) override { sent.push_back({to, {bytes.begin(), bytes.end()}}); }
  TimerId set_timer(Duration delay, std::uint64_t tag) override {
    const TimerId id{++next_timer_};
    timers.push_back({id, now_ + delay, tag});
    return id;
  }
  void cancel(TimerId timer) override {
    for (Timer& t : timers) {
      if (t.id == timer) t.cancelled = true;
    }
  }
  Rng& rng() override { return rng_; }
  TraceSink& trace() override { return sink; }
  void log(std::string_view message) override { logs.emplace_back(message); }
  [[nodiscard]] std::uint32_t slot() const override { return 0; }

  void advance_to(Time t) { now_ = t; }
  /// The live (not cancelled) timers whose tag satisfies `pred`.
  template <class Pred>
  [[nodiscard]] std::vector<Timer> live_timers(Pred pred) const {
    std::vector<Timer> out;
    std::copy_if(timers.begin(), timers.end(), std::back_inserter(out),
                 [&](const Timer& t) { return !t.cancelled && pred(t.tag); });
    return out;
  }

  std::vector<Sent> sent;
  std::vector<Timer> timers;
  std::vector<std::string> logs;
  MemoryTraceSink sink;

 private:
  PeerId self_;
  Time now_{0};
  Rng rng_;
  std::uint64_t next_timer_ = 0;
};

}  // namespace p2pgrid::test
