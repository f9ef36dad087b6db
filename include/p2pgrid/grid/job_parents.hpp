#pragma once
/// The workflow edges of one client's jobs, kept apart from the jobs: most
/// jobs have none, and an empty list inside every job record was 24 bytes a
/// job on every rank (120 MB a rank for the 5,000,000 jobs of the
/// 10,000,000-peer grid). Compressed rows: job i's parents are
/// list_[begin_[i] .. begin_[i + 1]); a job past the rows has none, so a
/// client without workflows holds two empty vectors.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

namespace p2pgrid::grid {

class JobParents {
 public:
  /// Appends the parents of job `job`, which must be the next one: jobs 0,
  /// 1, 2, ... in plan order (a job without parents may be skipped only at
  /// the end). Parents are indices of earlier jobs of the same client.
  void append(std::size_t job, std::span<const std::uint32_t> parents) {
    if (begin_.empty()) begin_.push_back(0);
    if (job + 1 != begin_.size()) throw std::logic_error("JobParents::append: jobs out of order");
    for (const std::uint32_t p : parents) {
      if (p >= job) throw std::logic_error("JobParents::append: a parent must be an earlier job");
    }
    list_.insert(list_.end(), parents.begin(), parents.end());
    begin_.push_back(static_cast<std::uint32_t>(list_.size()));
  }

  [[nodiscard]] std::span<const std::uint32_t> of(std::size_t job) const {
    if (job + 1 >= begin_.size()) return {};
    return {list_.data() + begin_[job], list_.data() + begin_[job + 1]};
  }

  /// Whether any job has a parent.
  [[nodiscard]] bool any() const { return !list_.empty(); }

  /// The plan is kept for the whole run: no growth slack.
  void shrink_to_fit() {
    begin_.shrink_to_fit();
    list_.shrink_to_fit();
  }

  [[nodiscard]] std::uint64_t heap_bytes() const {
    return (begin_.capacity() + list_.capacity()) * sizeof(std::uint32_t);
  }

 private:
  std::vector<std::uint32_t> begin_;
  std::vector<std::uint32_t> list_;
};

}  // namespace p2pgrid::grid
