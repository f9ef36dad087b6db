#pragma once
/// The standalone protocol's upcalls: every finished lookup becomes a row of
/// the `lookups` table; routed payloads are ignored. Stateless.

#include "p2pgrid/overlay/chord/records.hpp"
#include "p2pgrid/overlay/chord/upcalls.hpp"

namespace p2pgrid::chord {

class LookupRecorder final : public Upcalls {
 public:
  void on_lookup_result(Context& ctx, std::uint64_t /*cookie*/, RingId key, PeerId owner, std::uint32_t hops,
                        Duration latency, LookupStatus status) override {
    const LookupRecord row{(ctx.now() - latency).ns,          ctx.self().value, owner.value, key, latency.ns, hops,
                           static_cast<std::uint32_t>(status)};
    ctx.trace().record(row);
  }
  void on_lookup_done(Context& ctx, std::uint64_t cookie, RingId key, PeerId owner, std::uint32_t hops,
                      Duration latency, bool ok) override {
    on_lookup_result(ctx, cookie, key, owner, hops, latency, ok ? LookupStatus::kOk : LookupStatus::kTimedOut);
  }
  void on_routed(Context& /*ctx*/, RingId /*key*/, std::span<const std::byte> /*payload*/,
                 std::uint32_t /*hops*/) override {}
};

}  // namespace p2pgrid::chord
