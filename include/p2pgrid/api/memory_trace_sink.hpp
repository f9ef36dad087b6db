#pragma once
/// The in-memory trace sink for tests, and the canonical text form of rows
/// (sorted by key, then by content) that equivalence tests compare across
/// rank counts.

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "p2pgrid/api/trace_sink.hpp"

namespace p2pgrid {

class MemoryTraceSink final : public TraceSink {
 public:
  MemoryTraceSink() = default;
  MemoryTraceSink(MemoryTraceSink&& other) noexcept : tables_(std::move(other.tables_)) {}

  void append(const TableDesc& table, const void* row) override {
    auto& bytes = tables_[std::string(table.name)];
    const auto* p = static_cast<const std::byte*>(row);
    bytes.insert(bytes.end(), p, p + table.row_size);
  }

  /// Raw rows of a table, concatenated (empty if none).
  [[nodiscard]] const std::vector<std::byte>& bytes(const TableDesc& table) const {
    static const std::vector<std::byte> kEmpty;
    const auto it = tables_.find(std::string(table.name));
    return it == tables_.end() ? kEmpty : it->second;
  }

  template <class Row>
  [[nodiscard]] std::vector<Row> rows() const {
    const auto& b = bytes(Row::kTable);
    std::vector<Row> out(b.size() / sizeof(Row));
    if (!out.empty()) std::memcpy(out.data(), b.data(), out.size() * sizeof(Row));
    return out;
  }

  void clear() { tables_.clear(); }

 private:
  std::map<std::string, std::vector<std::byte>> tables_;
};

/// One line per row, "name=value" per field, sorted: the canonical form.
inline std::string canonical_text(const TableDesc& table, const std::vector<std::byte>& bytes) {
  std::vector<std::string> lines;
  for (std::size_t off = 0; off + table.row_size <= bytes.size(); off += table.row_size) {
    std::ostringstream line;
    for (const FieldDesc& f : table.fields) {
      const std::byte* p = bytes.data() + off + f.offset;
      line << f.name << '=';
      switch (f.type) {
        case FieldType::kI64: { std::int64_t v; std::memcpy(&v, p, 8); line << v; break; }
        case FieldType::kU64: { std::uint64_t v; std::memcpy(&v, p, 8); line << v; break; }
        case FieldType::kI32: { std::int32_t v; std::memcpy(&v, p, 4); line << v; break; }
        case FieldType::kU32: { std::uint32_t v; std::memcpy(&v, p, 4); line << v; break; }
        case FieldType::kU8: line << static_cast<unsigned>(std::to_integer<std::uint8_t>(*p)); break;
        case FieldType::kF64: {
          double v;
          std::memcpy(&v, p, 8);
          line.precision(17);
          line << v;
          break;
        }
      }
      line << ' ';
    }
    lines.push_back(line.str());
  }
  // Keys first: zero-padding is not needed because equal tables give equal
  // multisets of lines whatever the sort, and sorted multisets compare equal.
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + '\n';
  return out;
}

}  // namespace p2pgrid
