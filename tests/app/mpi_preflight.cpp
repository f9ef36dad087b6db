// Exits non-zero unless MPI_COMM_WORLD has the size given on the command
// line: `mpiexec -n 2 p2pgrid_mpi_preflight 2` fails when the launcher and
// the MPI library disagree and each process becomes a singleton.

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv);
  const boost::mpi::communicator world;
  const int expected = argc > 1 ? std::atoi(argv[1]) : 2;
  if (world.size() != expected) {
    std::cerr << "preflight: MPI_COMM_WORLD has " << world.size() << " rank(s), expected " << expected
              << ": the launcher started singletons (launcher and MPI library do not match)\n";
    return 1;
  }
  if (world.rank() == 0) std::cout << "preflight: " << world.size() << " ranks in one job\n";
  return 0;
}
