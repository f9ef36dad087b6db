#include "p2pgrid/sim/checkpoint_file.hpp"

#include <mpi.h>

#include <boost/mpi/collectives.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <numeric>

#include "p2pgrid/core/codec.hpp"

namespace p2pgrid {
namespace {

constexpr std::string_view kMagic = "P2PGCKPT";
constexpr std::size_t kHashLength = 64;

/// Appends codec-encoded values to a growing buffer.
class Appender {
 public:
  explicit Appender(std::vector<std::byte>& out) : out_(out) {}
  template <class F>
  void put(std::size_t most, F&& write) {
    std::vector<std::byte> scratch(most);
    Writer w(scratch);
    write(w);
    out_.insert(out_.end(), w.bytes().begin(), w.bytes().end());
  }
  void text(std::string_view s) {
    put(4, [&](Writer& w) { w.u32(static_cast<std::uint32_t>(s.size())); });
    for (const char c : s) out_.push_back(static_cast<std::byte>(c));
  }

 private:
  std::vector<std::byte>& out_;
};

std::vector<std::byte> encode_header(const CheckpointHeader& h, std::span<const std::uint64_t> lengths) {
  std::vector<std::byte> out;
  for (const char c : kMagic) out.push_back(static_cast<std::byte>(c));
  Appender a(out);
  a.put(16, [&](Writer& w) {
    w.u32(kCheckpointVersion);
    w.u8(kWireVersion);
  });
  a.text(h.config_hash);
  a.put(16, [&](Writer& w) {
    w.u32(h.peers);
    w.time(h.next_window);
  });
  a.text(h.trace_id);
  a.put(4, [&](Writer& w) { w.u32(static_cast<std::uint32_t>(h.trace_rows.size())); });
  for (const auto& entry : h.trace_rows) {
    a.text(entry.first);
    const std::uint64_t rows = entry.second;  // a structured binding cannot be captured before C++20 in clang 14
    a.put(8, [&](Writer& w) { w.u64(rows); });
  }
  a.put(4, [&](Writer& w) { w.u32(static_cast<std::uint32_t>(lengths.size())); });
  for (const std::uint64_t n : lengths) a.put(8, [&](Writer& w) { w.u64(n); });
  return out;
}

std::string read_text(Reader& r, const char* field, std::size_t most) {
  const std::uint32_t n = r.u32(field);
  if (n > most) r.fail(field, std::to_string(n) + " characters (at most " + std::to_string(most) + ")");
  const auto b = r.bytes(n, field);
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(b[i]);
  return s;
}

void check_mpi(int rc, const std::string& path, const char* what) {
  if (rc == MPI_SUCCESS) return;
  std::array<char, MPI_MAX_ERROR_STRING> text{};
  int length = 0;
  MPI_Error_string(rc, text.data(), &length);
  throw CheckpointError(path + ": " + what + ": " + std::string(text.data(), static_cast<std::size_t>(length)));
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointHeader& header, std::span<const std::byte> section,
                      const boost::mpi::communicator& comm) {
  const std::uint64_t mine = section.size();
  std::vector<std::uint64_t> lengths;
  boost::mpi::all_gather(comm, mine, lengths);
  const std::vector<std::byte> head = encode_header(header, lengths);
  std::uint64_t offset = head.size();
  for (int r = 0; r < comm.rank(); ++r) offset += lengths[static_cast<std::size_t>(r)];

  const std::string temporary = path + ".part";
  MPI_File file = MPI_FILE_NULL;
  check_mpi(MPI_File_open(comm, temporary.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &file), temporary,
            "cannot create");
  check_mpi(MPI_File_set_size(file, 0), temporary, "cannot truncate");
  MPI_Status status;
  if (comm.rank() == 0) {
    check_mpi(MPI_File_write_at(file, 0, head.data(), static_cast<int>(head.size()), MPI_BYTE, &status), temporary,
              "cannot write the header");
  }
  // MPI counts are int: write a large section in pieces, every rank taking
  // part in as many collective calls as the largest section needs.
  constexpr std::uint64_t kPiece = 1U << 30U;
  std::uint64_t pieces = (mine + kPiece - 1) / kPiece;
  pieces = boost::mpi::all_reduce(comm, pieces, boost::mpi::maximum<std::uint64_t>());
  for (std::uint64_t i = 0; i < pieces; ++i) {
    const std::uint64_t from = std::min(mine, i * kPiece);
    const std::uint64_t n = std::min(kPiece, mine - from);
    check_mpi(MPI_File_write_at_all(file, static_cast<MPI_Offset>(offset + from), section.data() + from,
                                    static_cast<int>(n), MPI_BYTE, &status),
              temporary, "cannot write");
  }
  check_mpi(MPI_File_sync(file), temporary, "cannot sync");
  check_mpi(MPI_File_close(&file), temporary, "cannot close");
  comm.barrier();
  if (comm.rank() == 0 && std::rename(temporary.c_str(), path.c_str()) != 0) {
    throw CheckpointError(path + ": cannot rename " + temporary + " into place");
  }
  comm.barrier();
}

namespace {

constexpr std::size_t kMaxTraceId = 64;
constexpr std::size_t kMaxTableName = 256;

/// The header up to the section lengths, checked against this run.
CheckpointHeader parse_header(Reader& r, const std::string& expected_config_hash, std::uint32_t expected_peers) {
  const auto magic = r.bytes(kMagic.size(), "magic");
  for (std::size_t i = 0; i < kMagic.size(); ++i) {
    if (static_cast<char>(magic[i]) != kMagic[i]) r.fail("magic", "not a p2pgrid checkpoint");
  }
  const std::uint32_t version = r.u32("version");
  if (version != kCheckpointVersion) {
    r.fail("version", "checkpoint format version " + std::to_string(version) + " (this build reads " +
                          std::to_string(kCheckpointVersion) + ")");
  }
  const std::uint8_t wire = r.u8("wire_version");
  if (wire != kWireVersion) {
    r.fail("wire_version", "written with wire version " + std::to_string(wire) + " (this build speaks " +
                               std::to_string(kWireVersion) + ")");
  }
  CheckpointHeader h;
  h.config_hash = read_text(r, "config_hash", kHashLength);
  if (h.config_hash != expected_config_hash) {
    r.fail("config_hash",
           "written for another configuration (" + h.config_hash + "; this run's is " + expected_config_hash + ")");
  }
  h.peers = r.u32("peers");
  if (h.peers != expected_peers) {
    r.fail("peers", std::to_string(h.peers) + " peers (this run has " + std::to_string(expected_peers) + ")");
  }
  h.next_window = r.time("next_window");
  h.trace_id = read_text(r, "trace_id", kMaxTraceId);
  const std::uint32_t tables = r.count("trace_tables", 12);
  for (std::uint32_t i = 0; i < tables; ++i) {
    std::string name = read_text(r, "trace_table", kMaxTableName);
    h.trace_rows.emplace_back(std::move(name), r.u64("trace_rows"));
  }
  return h;
}

std::vector<std::byte> read_bytes(const std::string& path, std::size_t most) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError(path + ": cannot open the checkpoint");
  std::vector<char> raw;
  if (most == 0) {
    raw.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } else {
    raw.resize(most);
    in.read(raw.data(), static_cast<std::streamsize>(most));
    raw.resize(static_cast<std::size_t>(in.gcount()));
  }
  std::vector<std::byte> out(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = static_cast<std::byte>(raw[i]);
  return out;
}

}  // namespace

LoadedCheckpoint read_checkpoint(const std::string& path, const std::string& expected_config_hash,
                                 std::uint32_t expected_peers) {
  LoadedCheckpoint out;
  out.bytes = read_bytes(path, 0);
  try {
    Reader r(out.bytes);
    out.header = parse_header(r, expected_config_hash, expected_peers);
    const std::uint32_t sections = r.count("sections", 8);
    std::vector<std::uint64_t> lengths(sections);
    for (std::uint64_t& n : lengths) n = r.u64("section_length");
    const std::uint64_t total = std::accumulate(lengths.begin(), lengths.end(), std::uint64_t{0});
    if (total != r.remaining()) {
      r.fail("sections", "truncated or padded: the header announces " + std::to_string(total) +
                             " bytes of sections, the file holds " + std::to_string(r.remaining()));
    }
    for (const std::uint64_t n : lengths) out.sections.push_back(r.bytes(n, "section"));
  } catch (const DecodeError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
  return out;
}

CheckpointHeader read_checkpoint_header(const std::string& path, const std::string& expected_config_hash,
                                        std::uint32_t expected_peers) {
  // The header's fields are bounded (hash, id, at most a few dozen table
  // names): 64 KiB hold it; a shorter file is read whole.
  constexpr std::size_t kHeaderMost = std::size_t{64} * 1024;
  const std::vector<std::byte> bytes = read_bytes(path, kHeaderMost);
  try {
    Reader r(bytes);
    return parse_header(r, expected_config_hash, expected_peers);
  } catch (const DecodeError& e) {
    throw CheckpointError(path + ": " + e.what());
  }
}

}  // namespace p2pgrid
