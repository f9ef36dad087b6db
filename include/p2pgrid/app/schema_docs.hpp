#pragma once
/// Reference documentation generated from the declarations themselves, so
/// it cannot drift: every config key (docs/configuration.md) and every
/// trace table a run can write (docs/trace-tables.md). A test checks that
/// the committed files equal what the binary prints.

#include <string>

namespace p2pgrid {

/// Every config key as a Markdown document.
std::string configuration_markdown();
/// Every trace table of every protocol stack, with columns, types and units.
std::string trace_tables_markdown();

}  // namespace p2pgrid
