#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace p2pgrid {

/// A vector in insertion order that finds an item by key in O(log n) once it
/// is long. The order is protocol-visible (a node's periodic pass over its
/// jobs orders its sends, and a send's sequence number draws its delay), so a
/// hash map or a sorted vector would change the traces; linear searches of
/// clients' and owners' lists of hundreds of jobs, per heartbeat and status,
/// were a tenth of a CAN run's instructions.
///
/// Short lists (most peers hold a few jobs) are searched linearly and cost
/// one null pointer. From kIndexFrom items on, every item carries a sequence
/// number (increasing, so the items stay sorted by it) and a sorted table maps
/// (key, sequence) to it: a lookup is two binary searches, an erase needs no
/// renumbering. `key_of` must not change while an item is in the list, and a
/// lookup finds the earliest item with the key, as a linear search would.
template <class T, class Key, Key (*key_of)(const T&)>
class IndexedList {
 public:
  static constexpr std::size_t kIndexFrom = 32;

  IndexedList() = default;
  IndexedList(const IndexedList& o)
      : items_(o.items_), index_(o.index_ ? std::make_unique<Index>(*o.index_) : nullptr) {}
  IndexedList& operator=(const IndexedList& o) {
    if (this != &o) *this = IndexedList(o);
    return *this;
  }
  IndexedList(IndexedList&&) noexcept = default;
  IndexedList& operator=(IndexedList&&) noexcept = default;
  ~IndexedList() = default;

  [[nodiscard]] std::size_t size() const { return items_.size(); }
  [[nodiscard]] bool empty() const { return items_.empty(); }
  T& operator[](std::size_t i) { return items_[i]; }
  const T& operator[](std::size_t i) const { return items_[i]; }
  T& back() { return items_.back(); }
  auto begin() { return items_.begin(); }
  auto end() { return items_.end(); }
  [[nodiscard]] auto begin() const { return items_.begin(); }
  [[nodiscard]] auto end() const { return items_.end(); }

  /// The earliest item with this key, or nullptr.
  T* find(const Key& key) {
    if (!index_) {
      const auto it = std::find_if(items_.begin(), items_.end(), [&](const T& t) { return key_of(t) == key; });
      return it == items_.end() ? nullptr : &*it;
    }
    const auto& by_key = index_->by_key;
    const auto k = std::lower_bound(by_key.begin(), by_key.end(), key,
                                    [](const Slot& s, const Key& x) { return s.key < x; });
    if (k == by_key.end() || !(k->key == key)) return nullptr;
    const auto& seqs = index_->seqs;
    const auto at = std::lower_bound(seqs.begin(), seqs.end(), k->seq);
    return &items_[static_cast<std::size_t>(at - seqs.begin())];
  }

  void push_back(T item) {
    items_.push_back(std::move(item));
    if (index_) {
      // Items are sorted by seq, so one past the last is unused.
      const std::uint64_t seq = index_->seqs.back() + 1;
      add_slot(key_of(items_.back()), seq);
      index_->seqs.push_back(seq);
    } else if (items_.size() >= kIndexFrom) {
      reindex();
    }
  }

  void erase_at(std::size_t i) {
    if (index_) {
      drop_slot(key_of(items_[i]), index_->seqs[i]);
      index_->seqs.erase(index_->seqs.begin() + static_cast<std::ptrdiff_t>(i));
    }
    items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(i));
    if (items_.empty()) index_.reset();
  }

  template <class Pred>
  void erase_if(Pred pred) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (pred(std::as_const(items_[i]))) {
        if (index_) drop_slot(key_of(items_[i]), index_->seqs[i]);
        continue;
      }
      if (kept != i) {
        items_[kept] = std::move(items_[i]);
        if (index_) index_->seqs[kept] = index_->seqs[i];
      }
      ++kept;
    }
    items_.resize(kept);
    if (index_) index_->seqs.resize(kept);
    if (items_.empty()) index_.reset();
  }

  /// The items themselves, for the checkpoint's field visitor; a caller that
  /// changes them calls reindex() afterwards.
  std::vector<T>& items() { return items_; }
  [[nodiscard]] const std::vector<T>& items() const { return items_; }

  /// Rebuilds the index from the items (after items() was written).
  void reindex() {
    if (items_.size() < kIndexFrom) {
      index_.reset();
      return;
    }
    index_ = std::make_unique<Index>();
    index_->seqs.resize(items_.size());
    index_->by_key.reserve(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) {
      index_->seqs[i] = i;
      index_->by_key.push_back(Slot{key_of(items_[i]), i});
    }
    std::sort(index_->by_key.begin(), index_->by_key.end());
  }

  [[nodiscard]] std::uint64_t heap_bytes() const {
    std::uint64_t bytes = items_.capacity() * sizeof(T);
    if (index_) {
      bytes += sizeof(Index) + index_->seqs.capacity() * sizeof(std::uint64_t) +
               index_->by_key.capacity() * sizeof(Slot);
    }
    return bytes;
  }

 private:
  struct Slot {
    Key key;
    std::uint64_t seq;
    bool operator<(const Slot& o) const { return key < o.key || (key == o.key && seq < o.seq); }
  };
  struct Index {
    std::vector<std::uint64_t> seqs;  ///< one per item, increasing
    std::vector<Slot> by_key;         ///< sorted by (key, seq)
  };

  void add_slot(const Key& key, std::uint64_t seq) {
    auto& by_key = index_->by_key;
    const Slot s{key, seq};
    by_key.insert(std::upper_bound(by_key.begin(), by_key.end(), s), s);
  }
  void drop_slot(const Key& key, std::uint64_t seq) {
    auto& by_key = index_->by_key;
    const Slot s{key, seq};
    by_key.erase(std::lower_bound(by_key.begin(), by_key.end(), s));
  }

  std::vector<T> items_;
  std::unique_ptr<Index> index_;
};

}  // namespace p2pgrid
