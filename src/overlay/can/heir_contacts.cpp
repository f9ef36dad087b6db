#include "p2pgrid/overlay/can/heir_contacts.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace p2pgrid::can {

std::size_t HeirContacts::find(PeerId of) const {
  std::size_t i = 0;
  while (i < words_.size() && words_[i] != of.value) i += 2 + words_[i + 1];
  return i;
}

void HeirContacts::assign(PeerId of, std::span<const PeerId> contacts) {
  if (contacts.size() > kMaxGroup) throw std::length_error("HeirContacts: more than kMaxGroup contacts");
  // Called on every update with a neighbour list: an uninitialised scratch
  // array, and no allocation when the group is unchanged.
  std::uint32_t scratch[kMaxGroup];  // NOLINT(cppcoreguidelines-avoid-c-arrays): raw, not cleared
  std::size_t n = 0;
  for (const PeerId c : contacts) scratch[n++] = c.value;
  std::sort(scratch, scratch + n);
  n = static_cast<std::size_t>(std::unique(scratch, scratch + n) - scratch);

  const auto word = [&](std::size_t i) { return words_.begin() + static_cast<std::ptrdiff_t>(i); };
  const std::size_t at = find(of);
  if (at < words_.size()) {
    const std::size_t old_n = words_[at + 1];
    if (old_n == n && std::equal(scratch, scratch + n, word(at + 2))) return;
    words_.erase(word(at), word(at + 2 + old_n));
  }
  if (n == 0) return;
  // Exact growth: groups change rarely, and doubling left a third unused.
  if (words_.size() + 2 + n > words_.capacity()) words_.reserve(words_.size() + 2 + n);
  words_.push_back(of.value);
  words_.push_back(static_cast<std::uint32_t>(n));
  words_.insert(words_.end(), scratch, scratch + n);
}

void HeirContacts::erase(PeerId of) {
  const std::size_t at = find(of);
  if (at == words_.size()) return;
  const std::size_t len = 2 + std::size_t{words_[at + 1]};
  const auto first = words_.begin() + static_cast<std::ptrdiff_t>(at);
  words_.erase(first, first + static_cast<std::ptrdiff_t>(len));
}

void HeirContacts::append_contacts(PeerId of, std::vector<PeerId>& out) const {
  const std::size_t at = find(of);
  if (at == words_.size()) return;
  for (std::size_t k = 0; k < words_[at + 1]; ++k) out.push_back(PeerId{words_[at + 2 + k]});
}

bool HeirContacts::well_formed(const std::vector<std::uint32_t>& words) {
  std::vector<std::uint32_t> seen;
  std::size_t i = 0;
  while (i < words.size()) {
    if (i + 1 >= words.size()) return false;
    const std::size_t n = words[i + 1];
    if (n == 0 || n > kMaxGroup || n > words.size() - i - 2) return false;
    const auto first = words.begin() + static_cast<std::ptrdiff_t>(i + 2);
    if (std::adjacent_find(first, first + static_cast<std::ptrdiff_t>(n), std::greater_equal<>()) !=
        first + static_cast<std::ptrdiff_t>(n)) {
      return false;  // contacts not sorted and distinct
    }
    seen.push_back(words[i]);
    i += 2 + n;
  }
  std::sort(seen.begin(), seen.end());
  return std::adjacent_find(seen.begin(), seen.end()) == seen.end();
}

}  // namespace p2pgrid::can
