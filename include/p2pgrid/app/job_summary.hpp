#pragma once
/// The end-of-run job figures (completed, waits, matchmaking cost,
/// recoveries), taken from the jobs rows as they pass to the real trace
/// sink, so the summary and the trace can never disagree.

#include <boost/mpi/communicator.hpp>
#include <cstdint>
#include <iosfwd>
#include <utility>
#include <vector>

#include "p2pgrid/api/memory_usage.hpp"
#include "p2pgrid/api/trace_sink.hpp"
#include "p2pgrid/grid/job_record.hpp"

namespace p2pgrid {

class JobSummarySink final : public TraceSink {
 public:
  explicit JobSummarySink(TraceSink& inner) : inner_(inner) {}

  void append(const TableDesc& table, const void* row) override;
  /// Counts a job without passing it on: the rows a continued trace already
  /// holds from before the checkpoint (docs/checkpoint.md).
  void count(const JobRecord& job);
  [[nodiscard]] bool enabled(const TableDesc& table) const override { return inner_.enabled(table); }
  [[nodiscard]] bool wants_flush() const override { return inner_.wants_flush(); }
  void flush() override { inner_.flush(); }
  [[nodiscard]] std::uint64_t buffered_bytes() const override {
    return inner_.buffered_bytes() + capacity_bytes(waits_ns_) + capacity_bytes(accepted_runs_);
  }

  /// Collective: gathers every rank's figures and prints them on rank 0
  /// (nothing when the run had no jobs).
  void print(std::ostream& out, const boost::mpi::communicator& comm) const;

  /// This rank's completed jobs as (run node, nominal run time in ns), for
  /// the nodes table's load figures.
  [[nodiscard]] const std::vector<std::pair<std::uint32_t, std::int64_t>>& accepted_runs() const {
    return accepted_runs_;
  }

 private:
  TraceSink& inner_;
  std::uint64_t jobs_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t failed_ = 0;
  std::uint64_t open_ = 0;
  std::uint64_t hops_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t recoveries_ = 0;
  std::uint64_t resubmissions_ = 0;
  std::uint64_t duplicates_ = 0;
  std::vector<std::int64_t> waits_ns_;  ///< every job: started (else ended) - submit
  std::vector<std::pair<std::uint32_t, std::int64_t>> accepted_runs_;
};

}  // namespace p2pgrid
