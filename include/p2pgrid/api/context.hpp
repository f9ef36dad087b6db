#pragma once
/// The Context: everything a peer's protocol code may see of the world.
/// Protocol code never reads another peer's state, a global table or the
/// engine; the same handlers could run over real sockets with a real clock.

#include <cstdint>
#include <span>
#include <string_view>

#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/rng.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Names one pending timer of one peer, for cancel().
struct TimerId {
  std::uint64_t value = 0;
  [[nodiscard]] constexpr bool valid() const { return value != 0; }
  friend constexpr bool operator==(TimerId, TimerId) = default;
};

/// A TimerId in a protocol's checkpointed state: the engine's handle names
/// a slot of one rank, so a checkpoint holds the timer's identity by its
/// owner's sequence number instead (FieldContext::timers translates).
template <>
struct FieldCodec<TimerId> {
  static void write(Writer& w, const FieldContext& ctx, const TimerId& t) {
    w.u64(ctx.timers != nullptr ? ctx.timers->save(t.value) : t.value);
  }
  static void read(Reader& r, const FieldContext& ctx, const char* field, TimerId& t) {
    const std::uint64_t v = r.u64(field);
    t.value = ctx.timers != nullptr ? ctx.timers->restore(v) : v;
  }
  static std::size_t size(const FieldContext& /*ctx*/) { return 8; }
};

class Context {
 public:
  Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  virtual ~Context() = default;

  /// Current simulated time.
  [[nodiscard]] virtual Time now() const = 0;
  /// This peer's address.
  [[nodiscard]] virtual PeerId self() const = 0;
  /// Sends bytes to a peer. They arrive after the network's delay for this
  /// pair and size, or are lost; a message to a crashed peer is dropped.
  virtual void send(PeerId to, std::span<const std::byte> bytes) = 0;
  /// Calls on_timer(tag) after `delay` (>= 0) unless cancelled or crashed.
  virtual TimerId set_timer(Duration delay, std::uint64_t tag) = 0;
  /// Cancels a pending timer; a fired or unknown id is ignored.
  virtual void cancel(TimerId timer) = 0;
  /// This peer's own random stream (purpose kProtocol).
  virtual Rng& rng() = 0;
  /// Where this peer's typed trace rows go.
  virtual TraceSink& trace() = 0;
  /// A diagnostic line (kept only when logging is on).
  virtual void log(std::string_view message) = 0;
  /// Storage index of this peer in its host's tables; carries no meaning
  /// beyond that and must not influence protocol decisions.
  [[nodiscard]] virtual std::uint32_t slot() const = 0;
};

}  // namespace p2pgrid
