#pragma once
/// Bytes one rank holds, by category (docs/performance.md, "Memory by
/// category"). Each layer counts its own per-peer structs and the capacity
/// of its containers, so the budget per peer is measured, not estimated.
/// What no category counts (allocator slack, code, the MPI and HDF5
/// libraries) is the peak RSS minus the total.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2pgrid {

class MemoryUsage {
 public:
  using Category = std::pair<std::string, std::uint64_t>;

  /// Adds to a category, appended to the list on first use (a handful of
  /// names: a linear search beats a map here).
  void add(std::string_view category, std::uint64_t bytes) {
    const auto it = std::find_if(categories_.begin(), categories_.end(),
                                 [&](const Category& c) { return c.first == category; });
    if (it != categories_.end()) {
      it->second += bytes;
    } else {
      categories_.emplace_back(category, bytes);
    }
  }
  void merge(const MemoryUsage& other) {
    for (const auto& [name, bytes] : other.categories_) add(name, bytes);
  }
  [[nodiscard]] std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (const auto& c : categories_) sum += c.second;
    return sum;
  }
  [[nodiscard]] const std::vector<Category>& categories() const { return categories_; }

 private:
  std::vector<Category> categories_;
};

/// Heap bytes a vector holds: its capacity, used or not.
template <class T, class Allocator>
[[nodiscard]] std::uint64_t capacity_bytes(const std::vector<T, Allocator>& v) {
  return static_cast<std::uint64_t>(v.capacity()) * sizeof(T);
}

}  // namespace p2pgrid
