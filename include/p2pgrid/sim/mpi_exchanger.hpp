#pragma once
/// Exchange over MPI (Boost.MPI). Per window: one MPI_Alltoall carries, for
/// every pair of ranks, the byte count of the batch and the sender's
/// earliest pending time, event count and flush wish; then the non-empty batches travel as raw byte
/// messages. Because every receiver learns the exact byte count it is owed
/// before receiving, "sent == received" holds by construction and is
/// checked; the global minimum falls out of the same all-to-all, so a window
/// costs one collective.

#include <boost/mpi/communicator.hpp>

#include "p2pgrid/sim/exchanger.hpp"

namespace p2pgrid {

class MpiExchanger final : public Exchanger {
 public:
  explicit MpiExchanger(boost::mpi::communicator comm);

  // Cached: every send asks for the rank, and MPI_Comm_rank is a library
  // call (3% of a CAN run's instructions when it was asked each time).
  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int size() const override { return size_; }
  Agreement exchange(std::vector<ByteBuffer>& outbox, std::vector<ByteBuffer>& inbox, Time local_next,
                     std::uint64_t local_events, bool local_flush, bool local_stop) override;
  std::uint64_t sum(std::uint64_t local) override;

  [[nodiscard]] const boost::mpi::communicator& communicator() const { return comm_; }

 private:
  boost::mpi::communicator comm_;
  int rank_;
  int size_;
  std::vector<std::int64_t> send_meta_;
  std::vector<std::int64_t> recv_meta_;
};

}  // namespace p2pgrid
