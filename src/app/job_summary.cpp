#include "p2pgrid/app/job_summary.hpp"

#include <algorithm>
#include <array>
#include <boost/mpi/collectives/gather.hpp>
#include <boost/mpi/collectives/gatherv.hpp>
#include <boost/mpi/collectives/reduce.hpp>
#include <cstdio>
#include <functional>
#include <ostream>

#include "p2pgrid/grid/job_record.hpp"

namespace p2pgrid {

void JobSummarySink::append(const TableDesc& table, const void* row) {
  if (&table == &JobRecord::kTable) count(*static_cast<const JobRecord*>(row));
  inner_.append(table, row);
}

void JobSummarySink::count(const JobRecord& j) {
  ++jobs_;
  // Every job's wait, as postprocess defines it: until it started, else
  // until it ended (failed: the client knew; open: the run ended).
  waits_ns_.push_back((j.started_ns >= 0 ? j.started_ns : j.ended_ns) - j.submit_ns);
  switch (static_cast<JobStatus>(j.status)) {
    case JobStatus::kCompleted:
      ++completed_;
      accepted_runs_.emplace_back(j.run_node, j.run_time_ns);
      break;
    case JobStatus::kFailed: ++failed_; break;
    case JobStatus::kOpenAtEnd: ++open_; break;
  }
  hops_ += j.match_hops;
  messages_ += j.match_messages;
  recoveries_ += j.recoveries;
  resubmissions_ += j.resubmissions;
  duplicates_ += j.duplicate_runs;
}

void JobSummarySink::print(std::ostream& out, const boost::mpi::communicator& comm) const {
  const std::array<std::uint64_t, 9> mine{jobs_,       completed_,  failed_,        open_,      hops_,
                                          messages_,   recoveries_, resubmissions_, duplicates_};
  std::array<std::uint64_t, 9> all{};
  boost::mpi::reduce(comm, mine.data(), static_cast<int>(mine.size()), all.data(), std::plus<>(), 0);
  // An empty vector's data() may be null, which Boost.MPI hands to memcpy
  // (undefined even for 0 bytes; UBSan stops there): point at a dummy.
  static const std::int64_t kNone = 0;
  const std::int64_t* mine_waits = waits_ns_.empty() ? &kNone : waits_ns_.data();
  if (comm.rank() != 0) {
    boost::mpi::gather(comm, static_cast<int>(waits_ns_.size()), 0);
    boost::mpi::gatherv(comm, mine_waits, static_cast<int>(waits_ns_.size()), 0);
    return;
  }
  std::vector<int> sizes;
  boost::mpi::gather(comm, static_cast<int>(waits_ns_.size()), sizes, 0);
  std::size_t total = 0;
  for (const int s : sizes) total += static_cast<std::size_t>(s);
  std::vector<std::int64_t> waits(std::max<std::size_t>(total, 1));
  boost::mpi::gatherv(comm, mine_waits, static_cast<int>(waits_ns_.size()), waits.data(), sizes, 0);
  waits.resize(total);
  if (all[0] == 0) return;
  std::sort(waits.begin(), waits.end());
  double mean = 0;
  for (const auto w : waits) mean += static_cast<double>(w) * 1e-9;
  mean = waits.empty() ? 0 : mean / static_cast<double>(waits.size());
  // Nearest-rank 95th percentile: the ceil(0.95 n)-th smallest wait.
  const double p95 = waits.empty() ? 0 : static_cast<double>(waits[(waits.size() * 95 + 99) / 100 - 1]) * 1e-9;
  const auto per_job = [&](std::uint64_t v) { return static_cast<double>(v) / static_cast<double>(all[0]); };
  char line[512];
  std::snprintf(line, sizeof line,
                "jobs: %llu submitted, %llu completed, %llu failed, %llu open at end\n"
                "  wait of every job (failed and open ones until they ended%s): mean %.1f s, p95 %.1f s; "
                "matchmaking per job: %.2f hops, %.2f messages\n"
                "  recoveries %llu, resubmissions %llu, duplicate runs %llu\n",
                static_cast<unsigned long long>(all[0]), static_cast<unsigned long long>(all[1]),
                static_cast<unsigned long long>(all[2]), static_cast<unsigned long long>(all[3]),
                all[3] > 0 ? "; open ones make it a lower bound" : "", mean, p95,
                per_job(all[4]), per_job(all[5]), static_cast<unsigned long long>(all[6]),
                static_cast<unsigned long long>(all[7]), static_cast<unsigned long long>(all[8]));
  out << line;
}

}  // namespace p2pgrid
