#pragma once
/// The error of a checkpoint that cannot be written or used.

#include <stdexcept>

namespace p2pgrid {

/// A checkpoint that cannot be used (truncated, another version, another
/// configuration) or a stack that cannot be checkpointed: the message names
/// the file, the field and the reason. The command line exits 2.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace p2pgrid
