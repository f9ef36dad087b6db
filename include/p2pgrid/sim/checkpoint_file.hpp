#pragma once
/// The checkpoint file: one file per checkpoint, written collectively with
/// MPI-IO (each rank its own section at an offset from a prefix sum), under
/// a temporary name renamed into place once complete, so a run killed while
/// writing never leaves a half checkpoint under the real name.
///
/// Layout (little-endian, the codec's): magic "P2PGCKPT", format version
/// u32, wire version u8, config hash (64 hex characters: SHA-256 of the
/// resolved configuration), peers u32, time of the next window i64 ns,
/// trace position (the trace file's id, then rows per table: count u32,
/// then name and rows each; no id and no tables when the run had no trace),
/// section count u32, one u64 length per section, then the sections
/// (Engine::save()). docs/checkpoint.md describes it.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "p2pgrid/core/checkpoint_error.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// Version of the checkpoint layout; a checkpoint of another version is refused.
inline constexpr std::uint32_t kCheckpointVersion = 3;

struct CheckpointHeader {
  std::string config_hash;  ///< SHA-256 (hex) of the resolved configuration
  std::uint32_t peers = 0;
  Time next_window;  ///< where the run stopped
  /// The trace file's `trace_id` attribute (random, set when the file was
  /// created): a resumed run continues only that file. Empty: no trace.
  std::string trace_id;
  /// Rows each trace table held in that file when the checkpoint was taken
  /// (the trace was flushed first).
  std::vector<std::pair<std::string, std::uint64_t>> trace_rows;
};

/// Collective: writes `path` with this rank's `section`; rank 0's header
/// counts. Throws CheckpointError naming the file on any I/O failure.
void write_checkpoint(const std::string& path, const CheckpointHeader& header, std::span<const std::byte> section,
                      const boost::mpi::communicator& comm);

struct LoadedCheckpoint {
  CheckpointHeader header;
  std::vector<std::byte> bytes;                      ///< the whole file
  std::vector<std::span<const std::byte>> sections;  ///< into `bytes`, one per writing rank
};

/// Reads and checks a whole checkpoint: magic, versions, configuration
/// hash and peer count against `expected`, and that every section is
/// there. Throws CheckpointError naming the file, the field and the reason.
LoadedCheckpoint read_checkpoint(const std::string& path, const std::string& expected_config_hash,
                                 std::uint32_t expected_peers);

/// Reads and checks only the header (the first bytes of the file), with the
/// same checks and errors as read_checkpoint except the sections': what a
/// resumed run needs before it opens its trace.
CheckpointHeader read_checkpoint_header(const std::string& path, const std::string& expected_config_hash,
                                        std::uint32_t expected_peers);

}  // namespace p2pgrid
