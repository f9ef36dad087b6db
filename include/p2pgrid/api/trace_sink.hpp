#pragma once
/// The one observation surface: protocols emit typed rows; an HDF5 sink and
/// an in-memory sink (tests) implement the same interface. A row type is a
/// padding-free standard-layout struct that describes itself with a
/// TableDesc, so the HDF5 compound type, the schema document and the Python
/// reader all come from one declaration.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace p2pgrid {

enum class FieldType : std::uint8_t { kI64, kU64, kI32, kU32, kU8, kF64 };

constexpr std::size_t size_of(FieldType t) {
  switch (t) {
    case FieldType::kI64:
    case FieldType::kU64:
    case FieldType::kF64: return 8;
    case FieldType::kI32:
    case FieldType::kU32: return 4;
    case FieldType::kU8: return 1;
  }
  return 0;
}

/// One named value of an enumerated column. The HDF5 sink stores such a
/// column as an HDF5 enum type, so h5py, HDFView and pandas show the names.
struct EnumMember {
  std::string_view name;
  std::uint32_t value;
};

struct FieldDesc {
  std::string_view name;
  FieldType type;
  std::size_t offset;
  std::string_view unit;  ///< "ns", "bytes", "" for a plain count or id
  std::string_view doc;
  /// Non-empty: the column is an enumeration (kU32 only) with these members.
  std::span<const EnumMember> members{};
  /// The value that means "none" / "never" (e.g. "-1", "4294967295"); empty:
  /// every value is a real one. Stored per column in the `missing` attribute.
  std::string_view missing{};
};

/// The sentinels, spelled once.
inline constexpr std::string_view kNever = "-1";               ///< int64 ns columns
inline constexpr std::string_view kNoPeer = "4294967295";      ///< uint32 peer columns (0xffffffff)

struct TableDesc {
  std::string_view name;
  std::size_t row_size;
  std::span<const FieldDesc> fields;
  std::string_view doc;
  /// Leading fields that identify a row; the canonical dump sorts by them.
  std::size_t key_fields;
};

/// True when the fields cover the struct exactly, with no padding: the
/// in-memory and file layouts must be identical (see docs/trace-schema.md).
constexpr bool is_packed(const TableDesc& t) {
  std::size_t expected = 0;
  for (const auto& f : t.fields) {
    if (f.offset != expected) return false;
    expected += size_of(f.type);
  }
  return expected == t.row_size;
}

/// Where rows go. Implementations buffer; append must be cheap.
class TraceSink {
 public:
  TraceSink() = default;
  TraceSink(const TraceSink&) = delete;
  TraceSink& operator=(const TraceSink&) = delete;
  virtual ~TraceSink() = default;

  /// `row` points at `table.row_size` bytes laid out as `table.fields` say.
  virtual void append(const TableDesc& table, const void* row) = 0;
  /// Whether rows of this table are recorded at all (categories can be off).
  [[nodiscard]] virtual bool enabled(const TableDesc& /*table*/) const { return true; }

  /// Whether this rank would like the buffered rows written now (buffers
  /// full, or the flush interval passed). Ranks agree on it between windows.
  [[nodiscard]] virtual bool wants_flush() const { return false; }
  /// Writes buffered rows. Called on every rank at once, at a window
  /// boundary, whenever any rank wanted it: parallel sinks may be collective.
  virtual void flush() {}
  /// Bytes this sink holds in memory (buffered rows, summaries): the memory report.
  [[nodiscard]] virtual std::uint64_t buffered_bytes() const { return 0; }

  template <class Row>
  void record(const Row& row) {
    append(Row::kTable, &row);
  }
};

/// A sink that drops everything (benchmarks, disabled tracing).
class NullTraceSink final : public TraceSink {
 public:
  void append(const TableDesc& /*table*/, const void* /*row*/) override {}
  [[nodiscard]] bool enabled(const TableDesc& /*table*/) const override { return false; }
};

}  // namespace p2pgrid
