// Heir contacts against a plain map model: groups replaced, erased and
// retained through random edits, contacts sorted and distinct, and capacity
// that grows only to fit.

#include "p2pgrid/overlay/can/heir_contacts.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

#include "p2pgrid/core/rng.hpp"

namespace p2pgrid::can {
namespace {

std::vector<PeerId> contacts_of(const HeirContacts& h, PeerId of) {
  std::vector<PeerId> out;
  h.append_contacts(of, out);
  return out;
}

TEST(CanHeirContacts, MatchesAMapModelThroughEdits) {
  Rng rng(7);
  HeirContacts h;
  std::map<std::uint32_t, std::set<std::uint32_t>> model;
  for (int step = 0; step < 5000; ++step) {
    const auto of = static_cast<std::uint32_t>(rng.below(12));
    const double r = rng.uniform01();
    if (r < 0.2) {
      h.erase(PeerId{of});
      model.erase(of);
    } else if (r < 0.25) {
      const auto cut = static_cast<std::uint32_t>(rng.below(12));
      h.retain([&](PeerId p) { return p.value >= cut; });
      std::erase_if(model, [&](const auto& kv) { return kv.first < cut; });
    } else {
      std::vector<PeerId> in(rng.below(20));
      std::set<std::uint32_t> want;
      for (auto& p : in) {
        p = PeerId{static_cast<std::uint32_t>(rng.below(40))};
        want.insert(p.value);
      }
      h.assign(PeerId{of}, in);
      if (want.empty()) {
        model.erase(of);
      } else {
        model[of] = want;
      }
    }
    for (std::uint32_t k = 0; k < 12; ++k) {
      std::vector<PeerId> want;
      if (auto it = model.find(k); it != model.end()) {
        for (auto v : it->second) want.push_back(PeerId{v});
      }
      ASSERT_EQ(contacts_of(h, PeerId{k}), want) << "step " << step << " neighbour " << k;
    }
    ASSERT_EQ(h.empty(), model.empty());
  }
}

TEST(CanHeirContacts, AppendsAfterWhatIsThere) {
  HeirContacts h;
  const std::vector<PeerId> in{PeerId{9}, PeerId{3}, PeerId{9}, PeerId{5}};
  h.assign(PeerId{1}, in);
  std::vector<PeerId> out{PeerId{100}};
  h.append_contacts(PeerId{1}, out);
  EXPECT_EQ(out, (std::vector<PeerId>{PeerId{100}, PeerId{3}, PeerId{5}, PeerId{9}}));
  h.append_contacts(PeerId{2}, out);
  EXPECT_EQ(out.size(), 4U);
}

TEST(CanHeirContacts, GrowsOnlyToFitAndKeepsAnUnchangedGroupInPlace) {
  HeirContacts h;
  std::vector<PeerId> in;
  for (std::uint32_t i = 0; i < 17; ++i) in.push_back(PeerId{i});
  h.assign(PeerId{50}, in);
  EXPECT_EQ(h.heap_bytes(), (2 + 17) * sizeof(std::uint32_t));
  h.assign(PeerId{50}, in);  // unchanged
  EXPECT_EQ(h.heap_bytes(), (2 + 17) * sizeof(std::uint32_t));
  h.assign(PeerId{51}, std::vector<PeerId>{PeerId{1}});
  EXPECT_EQ(h.heap_bytes(), (2 + 17 + 3) * sizeof(std::uint32_t));
}

TEST(CanHeirContacts, RejectsMoreThanAGroupHolds) {
  HeirContacts h;
  const std::vector<PeerId> in(HeirContacts::kMaxGroup + 1, PeerId{1});
  EXPECT_THROW(h.assign(PeerId{2}, in), std::length_error);
}

}  // namespace
}  // namespace p2pgrid::can
