#pragma once
/// One function per protocol stack the harness can run; protocol_registry.cpp
/// lists them. Each lives in src/app/<name>_binding.cpp.

#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {

ProtocolBinding phold_binding();

}  // namespace p2pgrid
