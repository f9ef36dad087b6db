// The HDF5 writer on 1, 2 and 4 ranks: every rank's rows land once, in a
// contiguous block per flush, with the same bytes they had in memory, and
// every write is collective. Read back with the plain HDF5 API on rank 0.

#include <gtest/gtest.h>
#include <hdf5.h>

#include <boost/mpi/collectives/broadcast.hpp>
#include <boost/mpi/communicator.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace p2pgrid {
namespace {

struct TestRow {
  std::uint64_t id;
  std::int64_t time_ns;
  double value;
  std::uint32_t origin;
  std::uint8_t flags[4];

  static const TableDesc kTable;
};
constexpr std::array kTestFields{
    FieldDesc{"id", FieldType::kU64, offsetof(TestRow, id), "", "row id"},
    FieldDesc{"time", FieldType::kI64, offsetof(TestRow, time_ns), "ns", "a time"},
    FieldDesc{"value", FieldType::kF64, offsetof(TestRow, value), "", "a number"},
    FieldDesc{"origin", FieldType::kU32, offsetof(TestRow, origin), "", "writing rank"},
    FieldDesc{"f0", FieldType::kU8, offsetof(TestRow, flags) + 0, "", "flag"},
    FieldDesc{"f1", FieldType::kU8, offsetof(TestRow, flags) + 1, "", "flag"},
    FieldDesc{"f2", FieldType::kU8, offsetof(TestRow, flags) + 2, "", "flag"},
    FieldDesc{"f3", FieldType::kU8, offsetof(TestRow, flags) + 3, "", "flag"},
};
const TableDesc TestRow::kTable{"test_rows", sizeof(TestRow), kTestFields, "rows for the writer test", 1};

struct Other {
  std::uint64_t a;
  static const TableDesc kTable;
};
constexpr std::array kOtherFields{FieldDesc{"a", FieldType::kU64, 0, "", "a"}};
const TableDesc Other::kTable{"other", sizeof(Other), kOtherFields, "a second table", 1};

struct Padded {
  std::uint32_t a;
  std::uint64_t b;
  static const TableDesc kTable;
};
constexpr std::array kPaddedFields{FieldDesc{"a", FieldType::kU32, 0, "", "a"},
                                   FieldDesc{"b", FieldType::kU64, 8, "", "b"}};
const TableDesc Padded::kTable{"padded", sizeof(Padded), kPaddedFields, "has padding", 1};

TestRow make_row(std::uint64_t id, int rank) {
  TestRow r{};
  r.id = id;
  r.time_ns = static_cast<std::int64_t>(id * 1'000'003U) - 5;
  r.value = static_cast<double>(id) / 7.0;
  r.origin = static_cast<std::uint32_t>(rank);
  for (std::size_t k = 0; k < 4; ++k) r.flags[k] = static_cast<std::uint8_t>((id >> (8 * k)) & 0xFFU);
  return r;
}

std::string temp_path(const boost::mpi::communicator& comm, const std::string& name) {
  std::string path;
  if (comm.rank() == 0) {
    path = (std::filesystem::temp_directory_path() /
            ("p2pgrid_trace_" + name + "_np" + std::to_string(comm.size()) + "_" + std::to_string(::getpid()) + ".h5"))
               .string();
  }
  boost::mpi::broadcast(comm, path, 0);
  return path;
}

/// Raw bytes of a table and its attributes, read serially.
struct ReadBack {
  std::vector<std::byte> bytes;
  std::int64_t recorded = -1;
  std::int64_t schema_version = -1;
  std::int64_t complete = -1;
};

std::int64_t int_attribute(hid_t object, const char* name) {
  std::int64_t v = -1;
  const hid_t a = H5Aopen(object, name, H5P_DEFAULT);
  if (a < 0) return -1;
  H5Aread(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  return v;
}

ReadBack read_table(const std::string& path, const TableDesc& table) {
  ReadBack out;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return out;
  out.schema_version = int_attribute(file, "schema_version");
  out.complete = int_attribute(file, "complete");
  const hid_t ds = H5Dopen2(file, std::string(table.name).c_str(), H5P_DEFAULT);
  if (ds >= 0) {
    out.recorded = int_attribute(ds, "recorded");
    const hid_t type = H5Dget_type(ds);
    const hid_t space = H5Dget_space(ds);
    const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    EXPECT_EQ(H5Tget_size(type), table.row_size);
    out.bytes.resize(n * table.row_size);
    if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.bytes.data());
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(ds);
  }
  H5Fclose(file);
  return out;
}

TEST(Hdf5TraceSink, EveryRanksRowsLandOnceWithTheirBytesAndCollectively) {
  const boost::mpi::communicator world;
  const std::string path = temp_path(world, "rows");
  const TableDesc* tables[] = {&TestRow::kTable, &Other::kTable};
  TraceOptions options;
  options.chunk_bytes = 4096;  // many chunks, so appends cross chunk borders
  Hdf5TraceSink sink(path, tables, options, world);
  MemoryTraceSink expected;  // what rank 0 should find: every rank's rows
  const int ranks = world.size();
  // Uneven flushes: in round k rank r appends (r + k) % 3 * 50 rows, so some
  // ranks have nothing to write in some rounds (they still take part).
  std::uint64_t next_id = 0;
  for (int round = 0; round < 6; ++round) {
    for (int r = 0; r < ranks; ++r) {
      const int n = (r + round) % 3 * 50;
      for (int k = 0; k < n; ++k) {
        const TestRow row = make_row(next_id++, r);
        expected.record(row);
        if (r == world.rank()) sink.record(row);
      }
    }
    sink.flush();
    EXPECT_EQ(sink.rows_in_file(TestRow::kTable), expected.rows<TestRow>().size());
  }
  if (world.rank() == 0) sink.record(Other{42});
  sink.close();
  EXPECT_GT(sink.stats().writes, 0U);
  EXPECT_EQ(sink.stats().independent_writes, 0U) << "cause " << sink.stats().last_no_collective_cause;

  if (world.rank() == 0) {
    const ReadBack got = read_table(path, TestRow::kTable);
    EXPECT_EQ(got.schema_version, kTraceSchemaVersion);
    EXPECT_EQ(got.complete, 1);
    EXPECT_EQ(got.recorded, 1);
    ASSERT_EQ(got.bytes.size(), expected.bytes(TestRow::kTable).size());
    EXPECT_EQ(canonical_text(TestRow::kTable, got.bytes), canonical_text(TestRow::kTable, expected.bytes(TestRow::kTable)));
    // Within one flush each rank's rows form one block, in rank order.
    std::vector<TestRow> rows(got.bytes.size() / sizeof(TestRow));
    std::memcpy(rows.data(), got.bytes.data(), got.bytes.size());
    const auto origins_sorted_per_round = [&] {
      std::size_t at = 0;
      for (int round = 0; round < 6; ++round) {
        std::uint32_t last = 0;
        for (int r = 0; r < ranks; ++r) {
          for (int k = 0; k < (r + round) % 3 * 50; ++k, ++at) {
            if (rows[at].origin < last) return false;
            last = rows[at].origin;
          }
        }
      }
      return at == rows.size();
    };
    EXPECT_TRUE(origins_sorted_per_round());
    const ReadBack other = read_table(path, Other::kTable);
    ASSERT_EQ(other.bytes.size(), sizeof(Other));
    std::uint64_t a = 0;
    std::memcpy(&a, other.bytes.data(), 8);
    EXPECT_EQ(a, 42U);
    std::filesystem::remove(path);
  }
}

std::vector<std::byte> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> out(raw.size());
  std::memcpy(out.data(), raw.data(), raw.size());
  return out;
}

// A resumed run continues the file (docs/checkpoint.md): the rows up to the
// checkpoint stay, the later ones are dropped (also inside a chunk, and with
// compression), new rows follow; a file that is not the checkpoint's is
// refused without being modified. Rows are written by every rank.
TEST(Hdf5TraceSink, ContinuedFileKeepsTheRowsBeforeTheCheckpointAndAppendsAfterThem) {
  const boost::mpi::communicator world;
  const std::string path = temp_path(world, "continued");
  const TableDesc* tables[] = {&TestRow::kTable, &Other::kTable};
  for (const unsigned gzip : {0U, 4U}) {
    TraceOptions options;
    options.chunk_bytes = 4096;
    options.gzip_level = gzip;
    std::vector<TestRow> all;  // in file order
    std::uint64_t keep = 0;
    const auto write_round = [&](Hdf5TraceSink& sink, std::uint64_t first, int per_rank) {
      for (int r = 0; r < world.size(); ++r) {
        for (int k = 0; k < per_rank; ++k) {
          const TestRow row = make_row(first++, r);
          all.push_back(row);
          if (r == world.rank()) sink.record(row);
        }
      }
      sink.flush();
      return first;
    };
    {
      Hdf5TraceSink sink(path, tables, options, world);
      sink.set_attribute("trace_id", std::string_view("abc"));
      std::uint64_t next = write_round(sink, 0, 37);
      keep = sink.rows_in_file(TestRow::kTable);  // the checkpoint
      next = write_round(sink, next, 41);         // written after it: dropped on resume
      sink.record(Other{7});
      sink.close();
    }
    all.resize(keep);
    const std::vector<std::byte> before = world.rank() == 0 ? file_bytes(path) : std::vector<std::byte>();
    const auto refused = [&](const TraceContinuation& from, const std::string& what) {
      try {
        Hdf5TraceSink sink(path, tables, options, world, from);
        ADD_FAILURE() << "continued despite " << what;
        sink.close();
      } catch (const TraceError& e) {
        EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      }
      world.barrier();
      if (world.rank() == 0) {
        EXPECT_EQ(file_bytes(path), before) << what;
      }
    };
    refused({{{"trace_id", "xyz"}}, {{"test_rows", keep}, {"other", 0}}}, "'trace_id' is abc, this run's is xyz");
    refused({{{"config_hash", "h"}}, {{"test_rows", keep}, {"other", 0}}}, "'config_hash' missing");
    refused({{{"trace_id", "abc"}}, {{"test_rows", keep}}}, "table 'other': the checkpoint records no row count");
    refused({{{"trace_id", "abc"}}, {{"test_rows", keep + 1000}, {"other", 0}}}, "fewer than");
    {
      const TraceContinuation from{{{"trace_id", "abc"}}, {{"test_rows", keep}, {"other", 0}}};
      Hdf5TraceSink sink(path, tables, options, world, from);
      EXPECT_EQ(sink.int_attribute("complete", -1), 0);
      EXPECT_EQ(sink.text_attribute("trace_id"), "abc");
      EXPECT_EQ(sink.rows_in_file(TestRow::kTable), keep);
      EXPECT_EQ(sink.rows_in_file(Other::kTable), 0U);
      // Each rank reads back a share of the kept rows.
      const auto rank = static_cast<std::uint64_t>(world.rank());
      const auto ranks = static_cast<std::uint64_t>(world.size());
      const std::uint64_t first = keep * rank / ranks;
      const std::uint64_t count = keep * (rank + 1) / ranks - first;
      const std::vector<std::byte> share = sink.read_rows(TestRow::kTable, first, count);
      ASSERT_EQ(share.size(), count * sizeof(TestRow));
      if (count > 0) {
        EXPECT_EQ(std::memcmp(share.data(), all.data() + first, share.size()), 0);
      }
      write_round(sink, 5000, 11);
      sink.close();
    }
    if (world.rank() == 0) {
      const ReadBack got = read_table(path, TestRow::kTable);
      EXPECT_EQ(got.complete, 1);
      ASSERT_EQ(got.bytes.size(), all.size() * sizeof(TestRow)) << "gzip " << gzip;
      EXPECT_EQ(std::memcmp(got.bytes.data(), all.data(), got.bytes.size()), 0) << "gzip " << gzip;
      EXPECT_TRUE(read_table(path, Other::kTable).bytes.empty());
    }
    world.barrier();
  }
  if (world.rank() == 0) std::filesystem::remove(path);
}

TEST(Hdf5TraceSink, DisabledTableKeepsAnEmptyDatasetMarkedNotRecorded) {
  const boost::mpi::communicator world;
  const std::string path = temp_path(world, "disabled");
  const TableDesc* tables[] = {&TestRow::kTable, &Other::kTable};
  TraceOptions options;
  options.disabled = {"other"};
  Hdf5TraceSink sink(path, tables, options, world);
  EXPECT_FALSE(sink.enabled(Other::kTable));
  EXPECT_TRUE(sink.enabled(TestRow::kTable));
  sink.record(Other{1});
  sink.record(make_row(1, world.rank()));
  sink.close();
  EXPECT_EQ(sink.stats().rows_dropped, 1U);
  EXPECT_EQ(sink.stats().rows_appended, 1U);
  if (world.rank() == 0) {
    const ReadBack other = read_table(path, Other::kTable);
    EXPECT_EQ(other.recorded, 0);
    EXPECT_TRUE(other.bytes.empty());
    EXPECT_EQ(read_table(path, TestRow::kTable).bytes.size(), sizeof(TestRow) * static_cast<std::size_t>(world.size()));
    std::filesystem::remove(path);
  }
}

TEST(Hdf5TraceSink, AsksForAFlushWhenTheBufferFillsOrTheIntervalPasses) {
  const boost::mpi::communicator world;
  const std::string path = temp_path(world, "wants");
  const TableDesc* tables[] = {&TestRow::kTable};
  TraceOptions options;
  options.buffer_bytes = 10 * sizeof(TestRow);
  options.flush_interval = std::chrono::milliseconds(3'600'000);
  Hdf5TraceSink sink(path, tables, options, world);
  for (int k = 0; k < 9; ++k) sink.record(make_row(static_cast<std::uint64_t>(k), 0));
  EXPECT_FALSE(sink.wants_flush());
  sink.record(make_row(9, 0));
  EXPECT_TRUE(sink.wants_flush());
  sink.flush();
  EXPECT_FALSE(sink.wants_flush());
  EXPECT_EQ(sink.rows_in_file(TestRow::kTable), 10U * static_cast<std::uint64_t>(world.size()));
  sink.close();

  TraceOptions quick;
  quick.flush_interval = std::chrono::milliseconds(1);
  Hdf5TraceSink timed(path, tables, quick, world);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(timed.wants_flush());  // nothing buffered, but the interval passed
  timed.close();
  if (world.rank() == 0) std::filesystem::remove(path);
}

TEST(Hdf5TraceSink, BadInputIsRefusedNamingTheCause) {
  const boost::mpi::communicator world;
  const TableDesc* tables[] = {&TestRow::kTable};
  const auto message = [&](const std::string& path, std::span<const TableDesc* const> t, TraceOptions o) {
    try {
      Hdf5TraceSink sink(path, t, std::move(o), world);
      sink.close();
    } catch (const TraceError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("/nonexistent-dir/x.h5", tables, {}),
            "cannot create trace file '/nonexistent-dir/x.h5': does its directory exist and is it writable (and the "
            "file not open elsewhere)?");
  TraceOptions off;
  off.disabled = {"lookups"};
  EXPECT_EQ(message("/nonexistent-dir/x.h5", tables, off),
            "trace: cannot disable unknown table 'lookups' (this run writes: test_rows)");
  const TableDesc* padded[] = {&Padded::kTable};
  EXPECT_EQ(message("/nonexistent-dir/x.h5", padded, {}),
            "trace table 'padded': fields do not cover the row exactly (padding), so the file and memory layouts "
            "would differ");
  const std::string path = temp_path(world, "undeclared");
  Hdf5TraceSink sink(path, tables, {}, world);
  try {
    sink.record(Other{1});
    ADD_FAILURE() << "an undeclared table was accepted";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), "trace file '" + path +
                                         "': table 'other' was not declared when the file was opened (add it to the "
                                         "deployment's tables)");
  }
  sink.close();
  if (world.rank() == 0) std::filesystem::remove(path);
}

}  // namespace
}  // namespace p2pgrid
