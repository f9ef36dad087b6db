#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/workload/phold.hpp"

namespace p2pgrid {

ProtocolBinding phold_binding() {
  return {"phold", "PHOLD engine exercise: messages hop between random peers",
          [](Schema& s) {
            s.field({"phold.initial", ValueKind::kInt, std::int64_t{1}, "", "messages each peer injects at start", 0,
                     1e6, {}});
            s.field({"phold.think", ValueKind::kDuration, Duration{0}, "",
                     "mean extra hold before forwarding (exponential; 0: none)", 0, {}, {}});
          },
          [](const Config& c, std::uint32_t peers, std::uint64_t /*seed*/) {
            phold::Params p;
            p.peers = peers;
            p.initial = static_cast<std::uint32_t>(c.integer("phold.initial"));
            p.think = c.duration("phold.think");
            Deployment d;
            d.factory = phold::factory(p);
            d.tables = {&phold::PholdRecord::kTable};
            return d;
          }};
}

}  // namespace p2pgrid
