#pragma once
/// What Chord tells the stack above it. A composed per-peer stack (Chord
/// plus job roles) implements this and passes itself to the node's
/// handlers; the standalone protocol passes a LookupRecorder.

#include <cstdint>
#include <span>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"
#include "p2pgrid/overlay/chord/lookup_status.hpp"

namespace p2pgrid::chord {

class Upcalls {
 public:
  Upcalls() = default;
  Upcalls(const Upcalls&) = delete;
  Upcalls& operator=(const Upcalls&) = delete;
  virtual ~Upcalls() = default;

  /// A lookup(ctx, key, cookie) finished at this peer. `owner` is the key's
  /// successor as the ring reported it (none unless ok); `hops` counts the
  /// peers queried; ok is false when the lookup ran out of timeouts or
  /// routes, or this peer could not start it.
  virtual void on_lookup_done(Context& ctx, std::uint64_t cookie, RingId key, PeerId owner, std::uint32_t hops,
                              Duration latency, bool ok) = 0;
  /// The same, with the reason a lookup failed. Chord calls this one; the
  /// default forwards to on_lookup_done, so a stack that needs no reason
  /// implements only that.
  virtual void on_lookup_result(Context& ctx, std::uint64_t cookie, RingId key, PeerId owner, std::uint32_t hops,
                                Duration latency, LookupStatus status) {
    on_lookup_done(ctx, cookie, key, owner, hops, latency, status == LookupStatus::kOk);
  }
  /// A route(ctx, key, payload) arrived here, at the key's successor, after
  /// `hops` overlay hops. `payload` is valid during the call only.
  virtual void on_routed(Context& ctx, RingId key, std::span<const std::byte> payload, std::uint32_t hops) = 0;
};

}  // namespace p2pgrid::chord
