#include "p2pgrid/app/bindings.hpp"
#include "p2pgrid/config/section.hpp"
#include "p2pgrid/workload/phold.hpp"

namespace p2pgrid {
namespace {

const Section<phold::Params>& phold_section() {
  static const auto section =
      Section<phold::Params>("the PHOLD exercise")
          .key("phold.initial", "messages each peer injects at start", opt().min(0).max(1e6), &phold::Params::initial)
          .key("phold.think", "mean extra hold before forwarding (exponential; 0: none)", opt().min(0),
               &phold::Params::think);
  return section;
}

}  // namespace

ProtocolBinding phold_binding() {
  return {"phold", "PHOLD engine exercise: messages hop between random peers",
          [](Schema& s) { phold_section().declare(s); },
          [](const Config& c, std::uint32_t peers, std::uint64_t /*seed*/) {
            phold::Params p = phold_section().read(c);
            p.peers = peers;
            Deployment d;
            d.factory = phold::factory(p);
            d.tables = {&phold::PholdRecord::kTable};
            return d;
          },
          [](const Config& /*c*/) { return KeyUse{{"the PHOLD exercise"}, "run.protocol = \"phold\""}; }};
}

}  // namespace p2pgrid
