#include "p2pgrid/core/huge_page_allocator.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace p2pgrid {
namespace {

/// The mapping of /proc/self/smaps that holds `p`: where it ends (0 if
/// none holds it) and its VmFlags line.
struct Mapping {
  std::uintptr_t end = 0;
  std::string vm_flags;
};

Mapping mapping_of(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  Mapping found;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0;
    std::uintptr_t hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      if (found.end != 0) break;  // past the mapping that holds p
      if (lo <= at && at < hi) found.end = hi;
    } else if (found.end != 0 && line.rfind("VmFlags:", 0) == 0) {
      found.vm_flags = line;
    }
  }
  return found;
}

/// Whether the kernel offers transparent huge pages at all.
bool thp_available() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(f, modes);
  return !modes.empty() && modes.find("[never]") == std::string::npos;
}

/// Whether [p, p + bytes) is mapped (mincore fails with ENOMEM on a hole).
bool mapped(const void* p, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto start = reinterpret_cast<std::uintptr_t>(p) / page * page;
  std::vector<unsigned char> residency((bytes + page - 1) / page + 1);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the address is the point
  return ::mincore(reinterpret_cast<void*>(start), bytes, residency.data()) == 0 || errno != ENOMEM;
}

TEST(HugePageAllocator, LargeBlocksAreAlignedAdvisedAndUnmapped) {
  if (kAddressSanitizer) GTEST_SKIP() << "an AddressSanitizer build keeps every block on the heap";
  HugePageAllocator<std::uint64_t> alloc;
  const std::size_t n = 3 * kHugePageBytes / sizeof(std::uint64_t) + 5;  // not a whole number of huge pages
  std::uint64_t* p = alloc.allocate(n);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % kHugePageBytes, 0U);
  for (std::size_t i = 0; i < n; ++i) p[i] = i * 7;
  for (std::size_t i = 0; i < n; i += 4099) ASSERT_EQ(p[i], i * 7);
  if (thp_available()) {
    EXPECT_NE(mapping_of(p).vm_flags.find(" hg"), std::string::npos) << mapping_of(p).vm_flags;
  }
  EXPECT_TRUE(mapped(p, n * sizeof(std::uint64_t)));
  // The mapping ends with the block's last page, not at the next 2 MiB:
  // a huge page over the tail would make memory past the block resident.
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const std::uintptr_t block_end = reinterpret_cast<std::uintptr_t>(p) + n * sizeof(std::uint64_t);
  EXPECT_EQ(mapping_of(p).end, (block_end + page - 1) / page * page);
  alloc.deallocate(p, n);
  EXPECT_FALSE(mapped(p, kHugePageBytes));
}

TEST(HugePageAllocator, SmallBlocksStayOnTheHeap) {
  HugePageAllocator<std::uint32_t> alloc;
  const std::size_t n = 1000;
  std::uint32_t* p = alloc.allocate(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint32_t>(i);
  EXPECT_EQ(p[n - 1], n - 1);
  // A heap block is never advised: no huge pages for what a small run holds.
  EXPECT_EQ(mapping_of(p).vm_flags.find(" hg"), std::string::npos) << mapping_of(p).vm_flags;
  alloc.deallocate(p, n);
}

TEST(HugePageAllocator, VectorKeepsItsContentsAcrossTheThreshold) {
  HugeVector<std::uint32_t> v;
  const std::size_t n = 2 * kHugePageBytes / sizeof(std::uint32_t);
  for (std::size_t i = 0; i < n; ++i) v.push_back(static_cast<std::uint32_t>(i ^ 0x5a5a5a5aU));
  ASSERT_GE(v.capacity() * sizeof(std::uint32_t), kHugePageBytes);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], static_cast<std::uint32_t>(i ^ 0x5a5a5a5aU));
  HugeVector<std::uint32_t> copy = v;
  EXPECT_EQ(copy, v);
  v.clear();
  v.shrink_to_fit();
  EXPECT_EQ(copy[n - 1], static_cast<std::uint32_t>((n - 1) ^ 0x5a5a5a5aU));
}

}  // namespace
}  // namespace p2pgrid
