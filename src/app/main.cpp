// The p2pgrid command line: the same binary on a laptop, under mpiexec and
// under srun. MPI_COMM_WORLD appears here and in the MPI test main only.

#include <unistd.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <iostream>
#include <string>
#include <vector>

#include "p2pgrid/app/bench_report.hpp"
#include "p2pgrid/app/memory_report.hpp"
#include "p2pgrid/app/job_summary.hpp"
#include "p2pgrid/app/launch_check.hpp"
#include "p2pgrid/app/preflight.hpp"
#include "p2pgrid/app/progress.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/app/schema_docs.hpp"
#include "p2pgrid/app/stop_signal.hpp"
#include "p2pgrid/app/trace_output.hpp"
#include "p2pgrid/app/version.hpp"
#include "p2pgrid/config/config.hpp"
#include "p2pgrid/core/checkpoint_error.hpp"
#include "p2pgrid/live/live_main.hpp"
#include "p2pgrid/sim/checkpoint_file.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace {

constexpr int kBadInput = 2;
constexpr int kRunFailed = 1;
/// The run stopped and wrote a checkpoint; rerun with --resume (EX_TEMPFAIL:
/// batch scripts requeue on it).
constexpr int kCheckpointed = 75;

/// One write per diagnostic line: stderr is unbuffered, and under a launcher
/// several ranks' (or stdout's) pieces would interleave mid-line.
void error_line(const std::string& message) { std::cerr << ("p2pgrid: error: " + message + "\n") << std::flush; }

/// argv as a shell would need it typed again (provenance).
std::string quoted_command_line(int argc, char** argv) {
  std::string out;
  for (int i = 0; i < argc; ++i) {
    const std::string arg(argv[i]);
    const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789_-+=/.,:@%") == std::string::npos;
    if (!out.empty()) out += ' ';
    if (plain) {
      out += arg;
      continue;
    }
    out += '\'';
    for (const char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

/// The words before the subcommand that CLI11 would only answer with "A
/// subcommand is required": name the word the user typed instead.
std::optional<std::string> misplaced_word(const CLI::App& app, int argc, char** argv) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  if (argc < 2) return "a subcommand is required: " + list + " (p2pgrid --help)";
  const std::string word = argv[1];
  if (word == "-h" || word == "--help" || word == "--version") return std::nullopt;
  if (std::find(names.begin(), names.end(), word) != names.end()) return std::nullopt;
  if (word.starts_with("-")) {
    const std::string flag = word.substr(0, word.find('='));
    for (const CLI::App* sub : app.get_subcommands({})) {
      for (const CLI::Option* opt : sub->get_options()) {
        if (opt->check_lname(flag.substr(flag.find_first_not_of('-'))) || opt->check_sname(flag.substr(1))) {
          return "option '" + flag + "' belongs after a subcommand, e.g. p2pgrid " + sub->get_name() + " ... " + flag;
        }
      }
    }
    return "unknown option '" + word + "' (p2pgrid --help lists them)";
  }
  return "unknown subcommand '" + word + "' (expected " + list + ")";
}

}  // namespace

int main(int argc, char** argv) {
  // Live mode (a node daemon and its clients) runs without MPI.
  if (p2pgrid::live::is_live_command(argc, argv)) return p2pgrid::live::live_main(argc, argv);
  // Before MPI_Init: a singleton start of Open MPI sets the variables mpiexec would.
  const bool stderr_terminal = isatty(STDERR_FILENO) == 1 && !p2pgrid::started_by_launcher(environ);
  boost::mpi::environment env(argc, argv, boost::mpi::threading::single);
  const boost::mpi::communicator world;
  const bool root = world.rank() == 0;
  p2pgrid::note_process_start();

  CLI::App app{"p2pgrid: a peer-to-peer desktop grid and its MPI emulation harness", "p2pgrid"};
  app.set_version_flag("--version", std::string("p2pgrid ") + p2pgrid::kVersion + " (commit " + p2pgrid::kGitCommit + ")");
  app.require_subcommand(1);

  std::string config_path;
  std::vector<std::string> overrides;
  std::string output;
  auto* run = app.add_subcommand("run", "run a scenario (under mpiexec/srun for several ranks)");
  run->add_option("config", config_path, "scenario file (TOML)")->required();
  run->add_option("--set", overrides, "override a config key: --set network.loss=0.01 (repeatable)");
  run->add_option("-o,--output", output, "HDF5 trace to write (default: no trace)");
  std::string checkpoint_at;
  std::string checkpoint_path;
  std::string resume_path;
  run->add_option("--checkpoint-at", checkpoint_at,
                  "stop at the first window at or after this simulated time (e.g. 30s), write --checkpoint, exit 75");
  run->add_option("--checkpoint", checkpoint_path, "checkpoint file to write when the run stops early");
  run->add_option("--resume", resume_path, "continue from this checkpoint (any rank count)");
  bool memory_report = false;
  run->add_flag("--memory", memory_report, "after the summary, the memory per peer by category (docs/performance.md)");
  // Stopping for a checkpoint needs a file to write: without --checkpoint
  // the signals keep their default action (the run ends at once).

  auto* validate = app.add_subcommand("validate", "check a scenario file and print the resolved config");
  validate->add_option("config", config_path, "scenario file (TOML)")->required();
  validate->add_option("--set", overrides, "override a config key (repeatable)");

  auto* schema = app.add_subcommand(
      "schema", "print every config key (or --tables: every trace table; --messages: every wire message) as Markdown");
  bool tables = false;
  schema->add_flag("--tables", tables, "every trace table, its columns, types and units");
  bool messages = false;
  schema->add_flag("--messages", messages, "every wire message, its type byte and field layout");

  std::vector<std::string> bench_configs;
  auto* bench = app.add_subcommand("bench", "run scale scenarios without traces; one row of speed and memory each");
  bench->add_option("configs", bench_configs, "scenario files (TOML)")->required();
  bench->add_option("--set", overrides, "override a config key in every scenario (repeatable)");
  std::string bench_csv;
  bench->add_option("--csv", bench_csv, "also append each row to this CSV file (header added if new)");
  bench->add_flag("--memory", memory_report, "after each row, the memory per peer by category");
  // Listed for --help; live_main parses them (before MPI_Init).
  for (const char* live : {"node", "submit", "status", "result", "stats"}) {
    app.add_subcommand(live, std::string("live mode: p2pgrid ") + live + " --help (docs/live.md)")->allow_extras();
  }

  // Every mistake on the command line ends the same way: one line from rank
  // 0 naming what was wrong, exit 2, nothing written.
  if (const auto word = misplaced_word(app, argc, argv)) {
    if (root) error_line(*word);
    return kBadInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help and --version: printed on stdout
      if (root) app.exit(e);
      return 0;
    }
    if (root) {
      std::string where;
      for (const CLI::App* sub : app.get_subcommands()) where = sub->get_name();
      std::string what = e.what();
      std::replace(what.begin(), what.end(), '\n', ' ');
      error_line((where.empty() ? "" : where + ": ") + what + " (p2pgrid " + (where.empty() ? "" : where + " ") +
                 "--help)");
    }
    return kBadInput;
  }

  if (schema->parsed()) {
    if (root) {
      std::cout << (messages ? p2pgrid::messages_markdown()
                             : tables ? p2pgrid::trace_tables_markdown() : p2pgrid::configuration_markdown());
    }
    return 0;
  }

  if (bench->parsed()) {
    if (const auto mismatch = p2pgrid::launch_mismatch(world.size())) {
      error_line(*mismatch);
      return kBadInput;
    }
    return p2pgrid::run_bench(bench_configs, overrides, bench_csv, memory_report, world, std::cout);
  }

  // validate and run share every check that needs no simulation, so a
  // sweep's `--check` passes exactly what its array tasks will accept.
  std::optional<p2pgrid::Scenario> scenario;
  try {
    scenario.emplace(p2pgrid::Scenario::load(config_path, overrides));
    static_cast<void>(scenario->deploy());  // protocol-specific checks happen before anything runs
    p2pgrid::check_trace_options(*scenario);
    if (validate->parsed()) static_cast<void>(p2pgrid::resolve_inputs(*scenario));  // input files readable
  } catch (const p2pgrid::ConfigError& e) {
    if (root) error_line(e.what());
    return kBadInput;
  }

  if (validate->parsed()) {
    if (root) std::cout << "# " << config_path << ": valid\n" << scenario->config.to_toml();
    return 0;
  }

  if (const auto mismatch = p2pgrid::launch_mismatch(world.size())) {
    error_line(*mismatch);
    return kBadInput;
  }
  if (scenario->peers < static_cast<std::uint32_t>(world.size())) {
    if (root) {
      error_line(std::to_string(scenario->peers) + " peers cannot be spread over " + std::to_string(world.size()) +
                 " ranks");
    }
    return kBadInput;
  }

  if (const auto problem = p2pgrid::preflight_problem(output, config_path, *scenario, world)) {
    if (root) error_line(*problem);
    return kBadInput;
  }

  p2pgrid::CheckpointOptions checkpoint;
  checkpoint.write_path = checkpoint_path;
  checkpoint.resume_path = resume_path;
  if (!checkpoint_path.empty()) {
    p2pgrid::install_stop_signals();
    checkpoint.stop_requested = p2pgrid::stop_signalled;
  }
  if (!checkpoint_at.empty()) {
    try {
      checkpoint.stop_at = p2pgrid::Time{p2pgrid::parse_duration(checkpoint_at).ns};
    } catch (const std::exception& e) {
      if (root) error_line("--checkpoint-at: " + std::string(e.what()));
      return kBadInput;
    }
    if (checkpoint_path.empty()) {
      if (root) error_line("--checkpoint-at needs --checkpoint FILE to write");
      return kBadInput;
    }
  }

  // A resumed run continues the trace its checkpoint was taken with: the
  // header says which file (its trace_id) and how many rows it then held.
  std::optional<p2pgrid::CheckpointHeader> resumed;
  if (!resume_path.empty() && !output.empty()) {
    try {
      resumed = p2pgrid::shared_checkpoint_header(resume_path, *scenario, world);
    } catch (const p2pgrid::CheckpointError& e) {
      if (root) error_line(e.what());
      return kBadInput;
    }
  }
  std::unique_ptr<p2pgrid::TraceOutput> trace;
  try {
    trace = p2pgrid::open_trace_output(output, *scenario, world, {quoted_command_line(argc, argv)},
                                       resumed ? &*resumed : nullptr);
  } catch (const p2pgrid::ConfigError& e) {
    if (root) error_line(e.what());
    return kBadInput;
  } catch (const p2pgrid::TraceError& e) {  // creating the file failed on every rank (it is collective)
    if (root) error_line(e.what());
    return kBadInput;
  }
  try {
    p2pgrid::JobSummarySink jobs(trace->sink());
    // A continued file's jobs before the checkpoint count in the summary and
    // in the nodes table's load as if this process had seen them.
    p2pgrid::count_earlier_jobs(*trace, jobs);
    checkpoint.record_trace = [&trace](p2pgrid::CheckpointHeader& header) { trace->record_position(header); };
    const auto result = p2pgrid::run_scenario(*scenario, world, jobs, {&std::cerr, stderr_terminal}, {}, checkpoint);
    if (result.checkpointed) {
      // The rows recorded up to the checkpoint are in the file already; it
      // is closed not complete (the resumed run continues it: docs/checkpoint.md).
      trace->close_stopped();
      if (root) std::cout << "checkpoint: " << checkpoint_path << " (resume with --resume " << checkpoint_path << ")\n";
      return kCheckpointed;
    }
    trace->close(result, jobs.accepted_runs());
    if (root) p2pgrid::print_summary(std::cout, *scenario, result.all);
    if (root && memory_report) p2pgrid::print_memory(std::cout, result.memory, scenario->peers, result.all, result.counted_by_rank);
    jobs.print(std::cout, world);
    if (root && !output.empty()) std::cout << "trace: " << output << '\n';
  } catch (const p2pgrid::CheckpointError& e) {  // every rank reads the same file and fails alike
    if (root) error_line(e.what());
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << ("p2pgrid: rank " + std::to_string(world.rank()) + ": error: " + e.what() + "\n") << std::flush;
    env.abort(kRunFailed);
  }
  return 0;
}
