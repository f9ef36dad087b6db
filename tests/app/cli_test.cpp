// The p2pgrid command line as a user meets it: help and version on stdout
// with exit 0; bad input rejected with exit 2, a message naming the file,
// key and reason, and no output file left behind.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;  // stdout and stderr together
};

Result p2pgrid(const std::string& args) {
  const std::string cmd = std::string(P2PGRID_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  Result r{-1, {}};
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) r.out += buf.data();
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2pgrid_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(Cli, VersionAndHelpGoToStdoutWithExitZero) {
  const Result v = p2pgrid("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("p2pgrid 0.1.0 (commit ", 0), 0U) << v.out;
  const Result h = p2pgrid("--help");
  EXPECT_EQ(h.code, 0);
  EXPECT_NE(h.out.find("run"), std::string::npos);
  EXPECT_NE(h.out.find("validate"), std::string::npos);
}

TEST_F(Cli, ValidatePrintsTheResolvedConfig) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n");
  const Result r = p2pgrid("validate " + cfg + " --set network.loss=0.5");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("count = 64"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("loss = 0.5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("min_latency = \"10ms\""), std::string::npos) << r.out;
}

TEST_F(Cli, RunPrintsASummary) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n[run]\nduration = \"2s\"\n");
  const Result r = p2pgrid("run " + cfg);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("summary: protocol phold, 64 peers, 1 rank(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("events/s"), std::string::npos) << r.out;
}

TEST_F(Cli, BadInputExitsTwoWithAClearMessageAndNoOutput) {
  const std::string misspelt = write("misspelt.toml", "[peers]\ncuont = 5\n");
  const std::string out = (dir_ / "out.h5").string();
  struct Case {
    std::string args;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"run " + misspelt + " -o " + out,
       "p2pgrid: error: " + misspelt + ":2: unknown key 'peers.cuont' (did you mean 'peers.count'?)"},
      {"run " + (dir_ / "absent.toml").string() + " -o " + out,
       "p2pgrid: error: " + (dir_ / "absent.toml").string() + ": cannot open the config file"},
      {"run " + write("ok.toml", "") + " --set run.duration=forever -o " + out,
       "p2pgrid: error: --set: key 'run.duration': 'forever' is not a duration (e.g. \"30s\")"},
      {"validate " + write("types.toml", "[network]\nbandwidth = \"fast\"\n"),
       "p2pgrid: error: " + (dir_ / "types.toml").string() +
           ":2: key 'network.bandwidth': expected a number, got a string"},
  };
  for (const auto& c : cases) {
    const Result r = p2pgrid(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << "got: " << r.out << "\nexpected: " << c.expected;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
}

TEST_F(Cli, MissingSubcommandIsAUsageError) {
  const Result r = p2pgrid("");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("subcommand"), std::string::npos) << r.out;
}

}  // namespace
