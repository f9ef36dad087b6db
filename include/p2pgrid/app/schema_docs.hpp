#pragma once
/// Reference documentation generated from the declarations themselves, so
/// it cannot drift: every config key (docs/configuration.md) and every
/// trace table a run can write (docs/trace-tables.md) and every wire message
/// (docs/messages.md, from the fields() declarations). A test checks that
/// the committed files equal what the binary prints.

#include <string>

namespace p2pgrid {

/// Every config key as a Markdown document.
std::string configuration_markdown();
/// Every trace table of every protocol stack, with columns, types and units.
std::string trace_tables_markdown();
/// Every message of every protocol, its type byte and its fields' layout.
std::string messages_markdown();

}  // namespace p2pgrid
