// A load generator for one live node (docs/live.md, "Measured"): it acts as
// a peer at FROM:PORT and sends authentic grid Heartbeats for a job the node
// does not own, as fast as it can for SECONDS; the node authenticates and
// decodes each and hands it to the job layer (which ignores a heartbeat for
// a job it does not own). It prints what it sent (and any replies); the
// node's `stats` counts what it handled.
//
//   p2pgrid_live_load SECRET_FILE TARGET_IP PORT FROM_IP SECONDS

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "p2pgrid/grid/messages.hpp"
#include "p2pgrid/live/envelope.hpp"

int main(int argc, char** argv) {
  using namespace p2pgrid;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s SECRET_FILE TARGET_IP PORT FROM_IP SECONDS\n", argv[0]);
    return 2;
  }
  const live::Secret secret = live::Secret::load(argv[1]);
  const auto target = live::parse_ipv4(argv[2]);
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[3]));
  const auto from = live::parse_ipv4(argv[4]);
  const double seconds = std::atof(argv[5]);
  if (!target || !from || port == 0 || seconds <= 0) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in self{};
  self.sin_family = AF_INET;
  self.sin_port = htons(port);
  self.sin_addr.s_addr = htonl(from->value);
  if (bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof self) != 0) {
    std::perror("bind");
    return 1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(target->value);

  std::array<std::byte, grid::kMaxMessageSize> buffer{};
  std::vector<std::byte> datagram;
  std::array<char, 65536> reply{};
  std::uint64_t sequence = live::first_sequence();
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 64; ++i) {
      const auto payload = grid::encode(grid::Heartbeat{0x0101010100000000ULL + sent, 0, grid::JobState::kRunning,
                                                        Time{0}},
                                        buffer);
      live::seal(secret, live::Header{live::Channel::kProtocol, *from, port, sequence++, live::unix_ms()}, payload,
                 datagram);
      if (sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) ++sent;
    }
    while (recv(fd, reply.data(), reply.size(), MSG_DONTWAIT) > 0) ++received;
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"sent\":%llu,\"received\":%llu,\"seconds\":%.3f}\n", static_cast<unsigned long long>(sent),
              static_cast<unsigned long long>(received), elapsed);
  close(fd);
  return 0;
}
