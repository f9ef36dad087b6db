#include "p2pgrid/sim/mpi_exchanger.hpp"

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/collectives/all_to_all.hpp>
#include <functional>
#include <boost/mpi/nonblocking.hpp>
#include <boost/mpi/request.hpp>
#include <climits>
#include <stdexcept>
#include <string>

namespace p2pgrid {
namespace {
constexpr int kBatchTag = 17;
constexpr std::size_t kMeta = 4;  // per pair of ranks: batch bytes, earliest time, events, flags
constexpr std::int64_t kFlush = 1;
constexpr std::int64_t kStop = 2;
}

MpiExchanger::MpiExchanger(boost::mpi::communicator comm)
    : comm_(std::move(comm)),
      rank_(comm_.rank()),
      size_(comm_.size()),
      send_meta_(kMeta * static_cast<std::size_t>(size_)),
      recv_meta_(kMeta * static_cast<std::size_t>(size_)) {}

Exchanger::Agreement MpiExchanger::exchange(std::vector<ByteBuffer>& outbox, std::vector<ByteBuffer>& inbox,
                                            Time local_next, std::uint64_t local_events, bool local_flush,
                                            bool local_stop) {
  const auto n = static_cast<std::size_t>(size_);
  for (std::size_t r = 0; r < n; ++r) {
    if (outbox[r].size() > static_cast<std::size_t>(INT_MAX)) {
      throw std::runtime_error("cross-rank batch of " + std::to_string(outbox[r].size()) +
                               " bytes exceeds MPI's int count; lower network.min_latency or use more ranks");
    }
    send_meta_[kMeta * r] = static_cast<std::int64_t>(outbox[r].size());
    send_meta_[kMeta * r + 1] = local_next.ns;
    send_meta_[kMeta * r + 2] = static_cast<std::int64_t>(local_events);
    send_meta_[kMeta * r + 3] = (local_flush ? kFlush : 0) | (local_stop ? kStop : 0);
  }
  // Quadruples of int64 are a native MPI type: this is one MPI_Alltoall.
  boost::mpi::all_to_all(comm_, send_meta_.data(), static_cast<int>(kMeta), recv_meta_.data());

  std::vector<boost::mpi::request> requests;
  requests.reserve(2 * n);
  Agreement agreed{Time::never(), 0};
  for (std::size_t r = 0; r < n; ++r) {
    agreed.next = std::min(agreed.next, Time{recv_meta_[kMeta * r + 1]});
    agreed.events += static_cast<std::uint64_t>(recv_meta_[kMeta * r + 2]);
    agreed.flush = agreed.flush || (recv_meta_[kMeta * r + 3] & kFlush) != 0;
    agreed.stop = agreed.stop || (recv_meta_[kMeta * r + 3] & kStop) != 0;
    const auto incoming = static_cast<std::size_t>(recv_meta_[kMeta * r]);
    inbox[r].resize(incoming);
    if (incoming > 0) {
      requests.push_back(comm_.irecv(static_cast<int>(r), kBatchTag, reinterpret_cast<char*>(inbox[r].data()),
                                     static_cast<int>(incoming)));
    }
    if (!outbox[r].empty()) {
      requests.push_back(comm_.isend(static_cast<int>(r), kBatchTag, reinterpret_cast<const char*>(outbox[r].data()),
                                     static_cast<int>(outbox[r].size())));
    }
  }
  boost::mpi::wait_all(requests.begin(), requests.end());
  return agreed;
}

std::uint64_t MpiExchanger::sum(std::uint64_t local) {
  std::uint64_t total = 0;
  boost::mpi::all_reduce(comm_, local, total, std::plus<>());
  return total;
}

}  // namespace p2pgrid
