#include "p2pgrid/app/preflight.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/mpi/collectives/all_gather.hpp>
#include <boost/mpi/collectives/broadcast.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

namespace p2pgrid {
namespace {

namespace fs = std::filesystem;

/// Every file the run reads, with the key that names it.
std::vector<std::pair<std::string, fs::path>> inputs(const std::string& config_path, const Scenario& scenario) {
  std::vector<std::pair<std::string, fs::path>> out{{"the config file", config_path}};
  const Config& c = scenario.config;
  // Input paths are relative to the config file's directory (as their readers resolve them).
  const fs::path base = fs::path(c.origin()).parent_path();
  for (const char* key : {"workload.swf_file", "availability.file"}) {
    if (c.schema().find(key) == nullptr) continue;
    const std::string& file = c.text(key);
    if (!file.empty()) out.emplace_back("the input file of key '" + std::string(key) + "'", base / file);
  }
  return out;
}

bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  const bool same = fs::equivalent(a, b, ec);
  return !ec && same;
}

std::optional<std::string> check(const std::string& output, const std::string& config_path, const Scenario& scenario) {
  const std::string shown = "-o '" + output + "'";
  const fs::path path(output);
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  const bool exists = fs::exists(status);
  if (exists && fs::is_directory(status)) return shown + ": is a directory; name a file in it";
  for (const auto& [what, input] : inputs(config_path, scenario)) {
    if (exists && same_file(path, input)) return shown + ": is " + what + "; refusing to overwrite it";
  }
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::file_status parent_status = fs::status(parent, ec);
  if (!fs::exists(parent_status)) return shown + ": directory '" + parent.string() + "' does not exist";
  if (!fs::is_directory(parent_status)) return shown + ": '" + parent.string() + "' is not a directory";
  if (exists && !fs::is_regular_file(status)) return shown + ": is not a regular file";
  // Opening for writing is the only test that holds for root, read-only
  // mounts and ACLs alike; nothing is truncated, and a file this creates
  // is removed again, so a refused run leaves nothing behind.
  const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return shown + ": cannot write there: " + std::strerror(errno);
  ::close(fd);
  if (!exists) ::unlink(output.c_str());
  return std::nullopt;
}

}  // namespace

std::optional<std::string> output_path_problem(const std::string& output, const std::string& config_path,
                                               const Scenario& scenario, const boost::mpi::communicator& comm) {
  if (output.empty()) return std::nullopt;
  std::string problem;
  if (comm.rank() == 0) problem = check(output, config_path, scenario).value_or("");
  boost::mpi::broadcast(comm, problem, 0);
  if (problem.empty()) return std::nullopt;
  return problem;
}

std::optional<std::string> preflight_problem(const std::string& output, const std::string& config_path,
                                             const Scenario& scenario, const boost::mpi::communicator& comm) {
  if (auto problem = output_path_problem(output, config_path, scenario, comm)) return problem;
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  std::vector<std::string> hosts;
  boost::mpi::all_gather(comm, std::string(name), hosts);
  const auto on_this_host = static_cast<int>(std::count(hosts.begin(), hosts.end(), std::string(name)));
  // Every host decides for itself; the answers are then made one, so all
  // ranks exit alike (the first host's message, by rank order, wins).
  std::string problem = memory_problem(scenario, comm.size(), on_this_host, machine_memory_bytes()).value_or("");
  std::vector<std::string> all;
  boost::mpi::all_gather(comm, problem, all);
  for (const std::string& p : all) {
    if (!p.empty()) return p;
  }
  return std::nullopt;
}

}  // namespace p2pgrid
