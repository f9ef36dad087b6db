#include "p2pgrid/core/indexed_list.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid {
namespace {

struct Item {
  std::uint32_t key = 0;
  std::uint32_t tag = 0;  ///< distinguishes items with one key
};
std::uint32_t key_of(const Item& i) { return i.key; }
using List = IndexedList<Item, std::uint32_t, &key_of>;

// The reference: what a vector with find_if gives.
const Item* reference_find(const std::vector<Item>& v, std::uint32_t key) {
  const auto it = std::find_if(v.begin(), v.end(), [&](const Item& i) { return i.key == key; });
  return it == v.end() ? nullptr : &*it;
}

void expect_same(const List& list, const std::vector<Item>& ref, std::uint32_t keys) {
  ASSERT_EQ(list.size(), ref.size());
  for (std::size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(list[i].key, ref[i].key) << "order differs at " << i;
    ASSERT_EQ(list[i].tag, ref[i].tag) << "order differs at " << i;
  }
  for (std::uint32_t k = 0; k < keys; ++k) {
    const Item* want = reference_find(ref, k);
    const Item* got = const_cast<List&>(list).find(k);
    ASSERT_EQ(got == nullptr, want == nullptr) << "key " << k;
    if (want != nullptr) {
      ASSERT_EQ(got->tag, want->tag) << "key " << k << " found a later duplicate";
    }
  }
}

// Random pushes and erasures that cross the indexing threshold both ways,
// with duplicate keys, against the vector they replace.
TEST(IndexedList, MatchesAVectorWithLinearSearch) {
  for (const std::uint32_t keys : {8U, 64U, 400U}) {
    Rng rng(7, PeerId{keys}, Purpose::kProtocol);
    List list;
    std::vector<Item> ref;
    std::uint32_t tag = 0;
    std::size_t longest = 0;
    std::size_t shortest_after_longest = ~std::size_t{0};
    for (int step = 0; step < 4000; ++step) {
      // Alternate phases of 500 steps that grow and shrink the list.
      const bool grow = (step / 500) % 2 == 0;
      const auto op = rng.below(100);
      if (op < (grow ? 70U : 25U) || ref.empty()) {
        const Item item{static_cast<std::uint32_t>(rng.below(keys)), tag++};
        list.push_back(item);
        ref.push_back(item);
      } else if (op < (grow ? 95U : 90U)) {
        const auto at = static_cast<std::size_t>(rng.below(ref.size()));
        list.erase_at(at);
        ref.erase(ref.begin() + static_cast<std::ptrdiff_t>(at));
      } else {
        const auto mod = static_cast<std::uint32_t>(grow ? 8 + rng.below(8) : 2 + rng.below(3));
        const auto drop = [&](const Item& i) { return i.tag % mod == 0; };
        list.erase_if(drop);
        std::erase_if(ref, drop);
      }
      longest = std::max(longest, ref.size());
      if (longest > List::kIndexFrom) shortest_after_longest = std::min(shortest_after_longest, ref.size());
      expect_same(list, ref, keys);
    }
    EXPECT_GT(longest, 4 * List::kIndexFrom) << "the list never grew past the index threshold";
    EXPECT_LT(shortest_after_longest, List::kIndexFrom) << "the list never shrank back below it";
  }
}

TEST(IndexedList, IndexesLongListsAndSurvivesCopyAndReindex) {
  List list;
  for (std::uint32_t i = 0; i < 100; ++i) list.push_back(Item{99 - i, i});
  ASSERT_GT(list.heap_bytes(), 100 * sizeof(Item)) << "a long list carries its index";
  const List copy = list;
  list.erase_if([](const Item& i) { return i.key < 50; });
  EXPECT_EQ(const_cast<List&>(copy).find(10)->tag, 89U) << "a copy owns its index";
  EXPECT_EQ(list.find(10), nullptr);
  // As a checkpoint reader does: write the items, then rebuild the index.
  list.items() = copy.items();
  list.reindex();
  ASSERT_NE(list.find(10), nullptr);
  EXPECT_EQ(list.find(10)->tag, 89U);
  list.erase_if([](const Item&) { return true; });
  EXPECT_TRUE(list.empty());
  EXPECT_EQ(list.heap_bytes(), list.items().capacity() * sizeof(Item)) << "an emptied list drops its index";
}

}  // namespace
}  // namespace p2pgrid
