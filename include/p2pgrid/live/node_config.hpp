#pragma once
/// The configuration of one live node (`p2pgrid node CONFIG`): where it
/// listens, whom it joins through, its secret, its resources, the sandbox's
/// limits and the protocol timings. docs/configuration.md lists every key
/// (generated from the declarations in src/live/node_config.cpp).

#include <cstdint>
#include <string>

#include "p2pgrid/config/config.hpp"
#include "p2pgrid/grid/params.hpp"
#include "p2pgrid/match/rntree.hpp"
#include "p2pgrid/overlay/chord/params.hpp"

namespace p2pgrid::live {

/// Live defaults: seconds, not the emulator's half-minute periods, and a
/// result handed to the user at the next tick after it arrived.
grid::Params live_grid_defaults();
chord::Params live_chord_defaults();
match::RnTreeParams live_rntree_defaults();

struct NodeSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 7400;
  std::string seeds;  ///< comma-separated addresses; the first creates the ring
  std::string secret_file;
  std::string state_dir;
  std::uint32_t max_message = 60000;
  double rate_limit = 5000;
  double rate_burst = 10000;
  Duration clock_skew = Duration::seconds(30);
  bool verbose = false;

  std::uint32_t cpu_mhz = 0;     ///< 0: the machine's
  std::uint32_t memory_mib = 0;  ///< 0: the machine's
  std::uint32_t disk_gib = 0;    ///< 0: the state directory's file system

  Duration wall_time = Duration::seconds(3600);
  Duration cpu_time = Duration::seconds(3600);
  std::uint32_t job_memory_mib = 1024;
  std::uint32_t file_size_mib = 1024;
  std::uint32_t processes = 256;
  std::uint32_t uid = 65534;
  std::uint32_t output_by_value = 8192;
  Duration keep_outputs = Duration::seconds(3600);

  grid::Params grid = live_grid_defaults();
  chord::Params chord = live_chord_defaults();
  match::RnTreeParams rntree = live_rntree_defaults();
};

const Schema& node_schema();
/// Reads and checks a node's config file; ConfigError names file, key and reason.
NodeSettings load_node_settings(const std::string& path, const std::vector<std::string>& overrides);

}  // namespace p2pgrid::live
