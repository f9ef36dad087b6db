#include "p2pgrid/app/stop_signal.hpp"

#include <csignal>

namespace p2pgrid {
namespace {

volatile std::sig_atomic_t signalled = 0;

extern "C" void on_stop_signal(int /*signal*/) { signalled = 1; }

}  // namespace

void install_stop_signals() {
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGUSR1, on_stop_signal);
}

bool stop_signalled() { return signalled != 0; }

void restore_default_stop_signals() {
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGUSR1, SIG_DFL);
}

}  // namespace p2pgrid
