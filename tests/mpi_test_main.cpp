// GoogleTest main for MPI tests: every rank runs every test; only rank 0
// prints, and the exit code is failure if any rank failed.
// MPI_COMM_WORLD appears here and in the p2pgrid main only.

#include <gtest/gtest.h>

#include <boost/mpi/collectives/all_reduce.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <functional>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv, boost::mpi::threading::single);
  const boost::mpi::communicator world;
  ::testing::InitGoogleTest(&argc, argv);
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int local = RUN_ALL_TESTS();
  const int any = boost::mpi::all_reduce(world, local, boost::mpi::maximum<int>());
  return any;
}
