// Issue 18: what a run refuses before it starts. Output paths that used to
// abort with 134 (or overwrite the user's config), and scenarios that used
// to die of std::bad_alloc after allocating, exit 2 with a message naming
// the path or key, on every rank, leaving no file behind.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "p2pgrid/app/scenario.hpp"

namespace p2pgrid {
namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;  // stdout and stderr together
};

Result shell(const std::string& cmd) {
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  Result r{-1, {}};
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) r.out += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Preflight : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pgrid_preflight_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    config_ = (dir_ / "ok.toml").string();
    std::ofstream(config_) << kConfig;
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  Result run(const std::string& args, int ranks = 0) {
    std::string cmd = std::string(P2PGRID_BINARY) + " run " + config_ + " " + args;
    if (ranks > 0) cmd = std::string(P2PGRID_MPIEXEC) + " -n " + std::to_string(ranks) + " --oversubscribe " + cmd;
    return shell(cmd);
  }
  static constexpr const char* kConfig = "[peers]\ncount = 16\n[run]\nduration = \"1s\"\n";
  fs::path dir_;
  std::string config_;
};

TEST_F(Preflight, OutputNamingTheConfigIsRefusedAndTheConfigKept) {
  const Result r = run("-o " + config_);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "p2pgrid: error: -o '" + config_ + "': is the config file; refusing to overwrite it\n");
  EXPECT_EQ(slurp(config_), kConfig);
  // The same file by another name.
  const std::string other = (dir_ / "." / "ok.toml").string();
  EXPECT_EQ(run("-o " + other).code, 2);
  EXPECT_EQ(slurp(config_), kConfig);
}

TEST_F(Preflight, OutputNamingAnInputFileIsRefused) {
  const fs::path fta = dir_ / "fta.tab";
  fs::copy_file(fs::path(P2PGRID_SOURCE_DIR) / "configs/traces/example-availability.tab", fta);
  const std::string before = slurp(fta);
  std::ofstream(config_, std::ios::app) << "[availability]\nfile = \"fta.tab\"\n";
  const Result r = run("-o " + fta.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "p2pgrid: error: -o '" + fta.string() +
                       "': is the input file of key 'availability.file'; refusing to overwrite it\n");
  EXPECT_EQ(slurp(fta), before);
}

TEST_F(Preflight, OutputInAMissingDirectoryADirectoryOrAnUnwritablePlace) {
  const std::string missing = (dir_ / "no" / "such" / "t.h5").string();
  Result r = run("-o " + missing);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "p2pgrid: error: -o '" + missing + "': directory '" + (dir_ / "no" / "such").string() +
                       "' does not exist\n");

  r = run("-o " + dir_.string());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "p2pgrid: error: -o '" + dir_.string() + "': is a directory; name a file in it\n");

  const std::string under_file = config_ + "/t.h5";
  r = run("-o " + under_file);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out, "p2pgrid: error: -o '" + under_file + "': '" + config_ + "' is not a directory\n");

  // Root writes anywhere permissions allow nothing; a read-only mount
  // refuses everyone. /proc/self takes no new files, for root either.
  r = run("-o /proc/self/t.h5");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("p2pgrid: error: -o '/proc/self/t.h5': cannot write there: ", 0), 0U) << r.out;
  if (::geteuid() != 0) {
    const fs::path locked = dir_ / "locked";
    fs::create_directory(locked);
    fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
    r = run("-o " + (locked / "t.h5").string());
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_NE(r.out.find("cannot write there: Permission denied"), std::string::npos) << r.out;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}), 1) << "only ok.toml is left";
}

TEST_F(Preflight, EveryRankExitsTwoAndOneMessageIsPrinted) {
  const Result r = run("-o " + dir_.string(), 2);
  EXPECT_EQ(r.code, 2) << r.out;
  const std::string message = "p2pgrid: error: -o '" + dir_.string() + "': is a directory; name a file in it\n";
  EXPECT_EQ(r.out.rfind(message, 0), 0U) << r.out;
  EXPECT_EQ(r.out.find(message, 1), std::string::npos) << "printed once, by rank 0:\n" << r.out;
  EXPECT_EQ(r.out.find("rank 1"), std::string::npos) << r.out;
}

TEST_F(Preflight, AWritableOutputIsAcceptedAndWritten) {
  const std::string out = (dir_ / "t.h5").string();
  const Result r = run("-o " + out);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::is_regular_file(out));
}

TEST_F(Preflight, CountsThatCannotFitAreRefusedBeforeAllocatingNamingTheKey) {
  Result r = run("--set peers.count=4000000000");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("p2pgrid: error: " + config_ + ": key 'peers.count': 4000000000 peers cannot fit in memory: "
                        "this run needs at least ", 0), 0U) << r.out;
  r = run("--set run.protocol=grid --set workload.jobs=1000000000");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("p2pgrid: error: " + config_ + ": key 'workload.jobs': 1000000000 jobs cannot fit in memory: ",
                        0), 0U) << r.out;
  r = run("--set churn.model=exponential --set churn.session_mean=1ns --set churn.down_mean=1ns --set run.duration=1h");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("p2pgrid: error: " + config_ + ": key 'churn.session_mean': 57600000000000 churn events cannot "
                        "fit in memory: ", 0), 0U) << r.out;
  r = run("--set phold.initial=1000000 --set peers.count=100000");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("p2pgrid: error: " + config_ + ": key 'phold.initial': 99999900000 initial events cannot fit",
                        0), 0U) << r.out;
}

TEST(MemoryProblem, TheEstimateScalesWithRanksAndNamesTheLargestDemand) {
  Config c = Config::parse(scenario_schema(), "[peers]\ncount = 1000000\n", "m.toml");
  const Scenario s = Scenario::from_config(c);
  constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
  EXPECT_FALSE(memory_problem(s, 1, 1, kGiB));
  // 1M peers need at least 56 MB; a host of 50 MB fits a quarter of them.
  EXPECT_EQ(*memory_problem(s, 1, 1, 50'000'000),
            "m.toml: key 'peers.count': 1000000 peers cannot fit in memory: this run needs at least 0.1 GiB on this "
            "host (1 of 1 rank(s)), which has 0.0 GiB");
  EXPECT_FALSE(memory_problem(s, 4, 1, 50'000'000));
  EXPECT_TRUE(memory_problem(s, 4, 4, 50'000'000));
}

}  // namespace
}  // namespace p2pgrid
