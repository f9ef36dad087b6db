#include "p2pgrid/app/bindings.hpp"

namespace p2pgrid {

const std::vector<ProtocolBinding>& protocol_bindings() {
  static const std::vector<ProtocolBinding> kBindings{
      phold_binding(),
      chord_binding(),
      can_binding(),
      grid_binding(),
  };
  return kBindings;
}

}  // namespace p2pgrid
