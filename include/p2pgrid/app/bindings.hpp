#pragma once
/// One function per protocol stack the harness can run; protocol_registry.cpp
/// lists them. Each lives in src/app/<name>_binding.cpp.

#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/overlay/can/params.hpp"
#include "p2pgrid/overlay/chord/params.hpp"

namespace p2pgrid {

ProtocolBinding phold_binding();
ProtocolBinding chord_binding();
ProtocolBinding can_binding();
ProtocolBinding grid_binding();

/// Chord's parameters from the [chord] section (shared by every stack over Chord).
chord::Params chord_params_from(const Config& config, std::uint32_t peers, std::uint64_t seed);
/// CAN's parameters from the [can] section (shared by every stack over CAN).
can::Params can_params_from(const Config& config, std::uint32_t peers, std::uint64_t seed);

}  // namespace p2pgrid
