#pragma once
/// The version scheme: kVersion is the semantic version of the project()
/// call in CMakeLists.txt (MAJOR.MINOR.PATCH, tagged vMAJOR.MINOR.PATCH);
/// kGitDescribe is `git describe --tags --always --dirty` of the compiled
/// tree, taken at build time.

namespace p2pgrid {
extern const char* const kVersion;
extern const char* const kGitCommit;    ///< 12 hex digits, or "unknown"
extern const char* const kGitDescribe;  ///< e.g. "v0.2.0-3-g0123456789ab-dirty"
}  // namespace p2pgrid
