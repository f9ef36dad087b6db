#pragma once
/// SHA-256 (FIPS 180-4) of files recorded in a trace's provenance, so a
/// reader can tell whether the inputs on disk are still the ones a run read.
/// Written here rather than taken from OpenSSL: one small function is not
/// worth a new dependency for every cluster build.

#include <string>
#include <string_view>

namespace p2pgrid {

/// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);
/// Lower-case hex digest of a file's bytes; throws std::runtime_error naming the file.
std::string sha256_file(const std::string& path);

}  // namespace p2pgrid
