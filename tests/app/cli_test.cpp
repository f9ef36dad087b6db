// The p2pgrid command line as a user meets it: help and version on stdout
// with exit 0; bad input rejected with exit 2, a message naming the file,
// key and reason, and no output file left behind.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

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
  EXPECT_EQ(v.out.rfind("p2pgrid 0.2.0 (commit ", 0), 0U) << v.out;
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
      // The global fair queue needs the central server's accounts.
      {"run " + write("global.toml", "[run]\nprotocol = \"grid\"\n[grid]\nqueue = \"fair_global\"\n[match]\nkind = "
                                     "\"rntree\"\n") +
           " -o " + out,
       "p2pgrid: error: " + (dir_ / "global.toml").string() +
           ": key 'grid.queue': \"fair_global\" needs match.kind = \"central\" (the central server keeps the global "
           "accounts); match.kind is \"rntree\": use \"fair\" (each run node's own accounts)"},
  };
  for (const auto& c : cases) {
    const Result r = p2pgrid(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.expected), std::string::npos) << "got: " << r.out << "\nexpected: " << c.expected;
    EXPECT_FALSE(fs::exists(out)) << c.args;
  }
}

TEST_F(Cli, BenchAppendsRowsToACsvWithOneHeader) {
  const std::string cfg = write("small.toml", "[peers]\ncount = 64\n[run]\nduration = \"2s\"\n");
  const std::string csv = (dir_ / "rows.csv").string();
  for (int i = 0; i < 2; ++i) {
    const Result r = p2pgrid("bench " + cfg + " --csv " + csv);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("small"), std::string::npos) << r.out;
  }
  std::ifstream in(csv);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].rfind("scenario,protocol,peers,ranks,sim_seconds,events,", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1].rfind("small,phold,64,1,2.000,", 0), 0U) << lines[1];
  // Same scenario, same events; the rest (wall time, memory) may differ.
  const auto events_of = [](const std::string& row) {
    std::size_t at = 0;
    for (int comma = 0; comma < 5; ++comma) at = row.find(',', at) + 1;
    return row.substr(at, row.find(',', at) - at);
  };
  EXPECT_EQ(events_of(lines[1]), events_of(lines[2]));
  EXPECT_GT(std::stoull(events_of(lines[1])), 0U);
}

TEST_F(Cli, BenchRefusesACsvItCannotWriteBeforeRunning) {
  const std::string cfg = write("small.toml", "[peers]\ncount = 64\n");
  const std::string csv = (dir_ / "no" / "such" / "dir.csv").string();
  const Result r = p2pgrid("bench " + cfg + " --csv " + csv);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("p2pgrid: error: --csv " + csv + ": cannot open for appending"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("small"), std::string::npos) << "ran anyway: " << r.out;
}

// Each user mistake: exactly one line, from rank 0, naming the word, exit 2.
TEST_F(Cli, CommandLineMistakesNameTheWordInOneLine) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n");
  struct Case {
    std::string args;
    std::string line;
  };
  const std::vector<Case> cases{
      {"rnu " + cfg, "p2pgrid: error: unknown subcommand 'rnu' (expected run, validate, schema, bench, node, submit, status, result or stats)"},
      {"--verison", "p2pgrid: error: unknown option '--verison' (p2pgrid --help lists them)"},
      {"--set network.loss=0.1 run " + cfg,
       "p2pgrid: error: option '--set' belongs after a subcommand, e.g. p2pgrid run ... --set"},
      {"run " + cfg + " --tables",
       "p2pgrid: error: run: The following argument was not expected: --tables (p2pgrid run --help)"},
      {"run " + cfg + " --set trace.disable=jobz -o " + (dir_ / "out.h5").string(),
       "p2pgrid: error: " + cfg + ": key 'trace.disable': no table 'jobz' in this run (tables: phold, nodes, faults, "
       "engine, traffic)"},
  };
  for (const auto& c : cases) {
    const Result r = p2pgrid(c.args);
    EXPECT_EQ(r.code, 2) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out, c.line + "\n") << c.args;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out.h5"));
}

// sweep.sbatch --check runs validate: it must refuse what run refuses.
TEST_F(Cli, ValidateRefusesWhatRunRefuses) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n");
  for (const std::string sub : {"validate", "run"}) {
    const Result r = p2pgrid(sub + " " + cfg + " --set trace.disable=jobz");
    EXPECT_EQ(r.code, 2) << sub << "\n" << r.out;
    EXPECT_NE(r.out.find("no table 'jobz' in this run"), std::string::npos) << sub << "\n" << r.out;
  }
}

TEST_F(Cli, ValidatePrintsFloatsWithoutRoundingNoise) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n");
  const Result r = p2pgrid("validate " + cfg + " --set network.loss=0.4");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("loss = 0.4\n"), std::string::npos) << r.out;
}

// stdout is the summary; progress (plain lines when stderr is not a
// terminal) goes to stderr and ends at 100%.
TEST_F(Cli, ProgressGoesToStderrAndEndsAtHundredPercent) {
  const std::string cfg = write("ok.toml", "[peers]\ncount = 64\n[run]\nduration = \"2s\"\n");
  const std::string err = (dir_ / "err.txt").string();
  // Not the p2pgrid() helper: it merges stderr into stdout.
  FILE* pipe = popen((std::string(P2PGRID_BINARY) + " run " + cfg + " 2>" + err).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  Result r{-1, {}};
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) r.out += buf.data();
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << r.out;
  EXPECT_EQ(r.out.find("progress"), std::string::npos) << r.out;
  std::ifstream in(err);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("progress: elapsed "), std::string::npos) << text;
  EXPECT_NE(text.find("sim 2.0/2.0 s (100%)"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_EQ(text.find('\033'), std::string::npos) << text;
}

TEST_F(Cli, MissingSubcommandIsAUsageError) {
  const Result r = p2pgrid("");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("subcommand"), std::string::npos) << r.out;
}

}  // namespace

// Issue 20: --checkpoint-at stops with exit 75 and a checkpoint that
// --resume continues; SIGUSR1 does the same at any moment; bad
// checkpoints exit 2.
TEST_F(Cli, CheckpointExitsSeventyFiveAndResumeFinishes) {
  const std::string cfg = write("ck.toml",
                                "[peers]\ncount = 64\n[run]\nduration = \"4s\"\n[[faults]]\nat = \"1s\"\nfraction = "
                                "0.05\nrestart_after = \"200ms\"\n");
  const std::string ckpt = (dir_ / "run.ckpt").string();
  const Result stop = p2pgrid("run " + cfg + " --checkpoint-at 2s --checkpoint " + ckpt);
  EXPECT_EQ(stop.code, 75) << stop.out;
  EXPECT_NE(stop.out.find("checkpoint: " + ckpt), std::string::npos) << stop.out;
  EXPECT_TRUE(fs::exists(ckpt));
  EXPECT_FALSE(fs::exists(ckpt + ".part"));
  const Result resume = p2pgrid("run " + cfg + " --resume " + ckpt);
  EXPECT_EQ(resume.code, 0) << resume.out;
  EXPECT_NE(resume.out.find("summary: protocol phold"), std::string::npos) << resume.out;
  // --checkpoint-at without a file to write is a usage error.
  const Result no_file = p2pgrid("run " + cfg + " --checkpoint-at 2s");
  EXPECT_EQ(no_file.code, 2) << no_file.out;
}

TEST_F(Cli, SignalStopsTheRunWithACheckpoint) {
  // Long enough to be running when the signal comes.
  const std::string cfg = write("long.toml", "[peers]\ncount = 64\n[run]\nduration = \"1000000s\"\n");
  const std::string ckpt = (dir_ / "signal.ckpt").string();
  const std::string log = (dir_ / "signal.log").string();
  // Signalled once it reports progress, so the handlers are in place
  // whatever the machine's load (a fixed sleep raced a slow start-up).
  const std::string script = "sh -c '" + std::string(P2PGRID_BINARY) + " run " + cfg + " --checkpoint " + ckpt +
                             " --set progress.interval=100ms >" + log + " 2>&1 & pid=$!; i=0; " +
                             "while ! grep -q progress: " + log + " && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; " +
                             "kill -USR1 $pid; wait $pid; echo exit=$?; cat " + log + "'";
  FILE* pipe = popen((script + " 2>&1").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  pclose(pipe);
  EXPECT_NE(out.find("exit=75"), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(ckpt)) << out;
}

TEST_F(Cli, BadCheckpointsExitTwoNamingTheFile) {
  const std::string cfg = write("ck.toml", "[peers]\ncount = 64\n[run]\nduration = \"4s\"\n");
  const std::string junk = write("junk.ckpt", "this is not a checkpoint at all, but long enough to read a header");
  const Result r = p2pgrid("run " + cfg + " --resume " + junk);
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find(junk + ": malformed message: field 'magic'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not a p2pgrid checkpoint"), std::string::npos) << r.out;
  // Another configuration.
  const std::string ckpt = (dir_ / "a.ckpt").string();
  ASSERT_EQ(p2pgrid("run " + cfg + " --checkpoint-at 1s --checkpoint " + ckpt).code, 75);
  const Result other = p2pgrid("run " + cfg + " --set run.seed=2 --resume " + ckpt);
  EXPECT_EQ(other.code, 2) << other.out;
  EXPECT_NE(other.out.find("another configuration"), std::string::npos) << other.out;
}
