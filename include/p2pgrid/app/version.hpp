#pragma once

namespace p2pgrid {
extern const char* const kVersion;
extern const char* const kGitCommit;
}  // namespace p2pgrid
