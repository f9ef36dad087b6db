#pragma once
/// An allocator for the arrays a handler indexes at random by peer or by
/// slot (the peers' states, the engine's per-peer table, message bodies
/// and timers). At a million peers those arrays span a gigabyte, and with
/// 4 KiB pages nearly every access to them missed the TLB as well as the
/// cache: a page walk before the miss itself, which also held up the
/// prefetches that should have hidden it (docs/performance.md, "Huge
/// pages for the peers' arrays"). Blocks of kMinBytes or more are mapped
/// on 2 MiB boundaries and advised to the kernel's transparent huge pages
/// (MADV_HUGEPAGE; the machines run THP in "madvise" mode, where nothing
/// else gets them). Smaller blocks come from std::allocator, so small runs
/// do not pay 2 MiB of resident memory per vector.
///
/// The advice is a hint: where the kernel has no THP it is refused and the
/// block stays on small pages, with the same contents and results.
/// AddressSanitizer builds keep every block on the heap, where ASan guards
/// the ends of each block and std::vector's unused capacity.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

namespace p2pgrid {

inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20U;

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

/// Maps `bytes` from a kHugePageBytes boundary and advises huge pages;
/// throws std::bad_alloc if the mapping fails. The mapping ends with the
/// block, not at the next 2 MiB: the kernel puts a huge page only where a
/// whole one fits in the mapping, so the tail stays on small pages and a
/// write near the end does not make up to 2 MiB past it resident (that
/// raised CAN at 100,000 peers by 47 bytes/peer).
inline void* map_huge_aligned(std::size_t bytes) {
  const std::size_t span = bytes + kHugePageBytes;
  void* raw = ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto* start = static_cast<std::byte*>(raw);
  const std::size_t head = (kHugePageBytes - reinterpret_cast<std::uintptr_t>(start) % kHugePageBytes) % kHugePageBytes;
  static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t mapped = (bytes + page - 1) / page * page;
  // mmap's result is page aligned, so head and the tail are whole pages.
  if (head > 0) ::munmap(start, head);
  const std::size_t tail = span - head - mapped;
  if (tail > 0) ::munmap(start + head + mapped, tail);
  ::madvise(start + head, mapped, MADV_HUGEPAGE);  // a hint: refused without THP, harmless
  return start + head;
}

template <class T>
class HugePageAllocator {
 public:
  using value_type = T;
  /// Blocks from this size up are huge-page backed (none under ASan).
  static constexpr std::size_t kMinBytes = kAddressSanitizer ? ~std::size_t{0} : kHugePageBytes;

  HugePageAllocator() = default;
  // Implicit, as the allocator requirements ask: containers rebind it.
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

  [[nodiscard]] T* allocate(std::size_t n) {
    if (n > max_size()) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) return std::allocator<T>().allocate(n);
    return static_cast<T*>(map_huge_aligned(bytes));
  }

  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) {
      std::allocator<T>().deallocate(p, n);
    } else {
      ::munmap(p, bytes);  // the kernel rounds the length up to whole pages
    }
  }

  [[nodiscard]] static constexpr std::size_t max_size() noexcept {
    return (~std::size_t{0} - kHugePageBytes) / sizeof(T);
  }

  template <class U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const noexcept {
    return true;
  }
};

/// A vector indexed at random at scale (see the top of this file).
template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace p2pgrid
