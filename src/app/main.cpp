// The p2pgrid command line: the same binary on a laptop, under mpiexec and
// under srun. MPI_COMM_WORLD appears here and in the MPI test main only.

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "p2pgrid/app/bench_report.hpp"
#include "p2pgrid/app/job_summary.hpp"
#include "p2pgrid/app/launch_check.hpp"
#include "p2pgrid/app/preflight.hpp"
#include "p2pgrid/app/runner.hpp"
#include "p2pgrid/app/scenario.hpp"
#include "p2pgrid/app/schema_docs.hpp"
#include "p2pgrid/app/version.hpp"
#include "p2pgrid/app/trace_output.hpp"
#include "p2pgrid/trace/hdf5_trace_sink.hpp"

namespace {

constexpr int kBadInput = 2;
constexpr int kRunFailed = 1;

}  // namespace

int main(int argc, char** argv) {
  boost::mpi::environment env(argc, argv, boost::mpi::threading::single);
  const boost::mpi::communicator world;
  const bool root = world.rank() == 0;

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

  auto* validate = app.add_subcommand("validate", "check a scenario file and print the resolved config");
  validate->add_option("config", config_path, "scenario file (TOML)")->required();
  validate->add_option("--set", overrides, "override a config key (repeatable)");

  auto* schema = app.add_subcommand("schema", "print every config key (or --tables: every trace table) as Markdown");
  bool tables = false;
  schema->add_flag("--tables", tables, "every trace table, its columns, types and units");

  std::vector<std::string> bench_configs;
  auto* bench = app.add_subcommand("bench", "run scale scenarios without traces; one row of speed and memory each");
  bench->add_option("configs", bench_configs, "scenario files (TOML)")->required();
  bench->add_option("--set", overrides, "override a config key in every scenario (repeatable)");
  std::string bench_csv;
  bench->add_option("--csv", bench_csv, "also append each row to this CSV file (header added if new)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with exit code 0, printed on stdout.
    const int code = root ? app.exit(e) : (e.get_exit_code() == 0 ? 0 : kBadInput);
    return code == 0 ? 0 : kBadInput;
  }

  if (schema->parsed()) {
    if (root) std::cout << (tables ? p2pgrid::trace_tables_markdown() : p2pgrid::configuration_markdown());
    return 0;
  }

  if (bench->parsed()) {
    if (const auto mismatch = p2pgrid::launch_mismatch(world.size())) {
      std::cerr << "p2pgrid: error: " << *mismatch << '\n';
      return kBadInput;
    }
    return p2pgrid::run_bench(bench_configs, overrides, bench_csv, world, std::cout);
  }

  std::optional<p2pgrid::Scenario> scenario;
  try {
    scenario.emplace(p2pgrid::Scenario::load(config_path, overrides));
    static_cast<void>(scenario->deploy());  // protocol-specific checks happen before anything runs
  } catch (const p2pgrid::ConfigError& e) {
    if (root) std::cerr << "p2pgrid: error: " << e.what() << '\n';
    return kBadInput;
  }

  if (validate->parsed()) {
    if (root) std::cout << "# " << config_path << ": valid\n" << scenario->config.to_toml();
    return 0;
  }

  if (const auto mismatch = p2pgrid::launch_mismatch(world.size())) {
    std::cerr << "p2pgrid: error: " << *mismatch << '\n';
    return kBadInput;
  }
  if (scenario->peers < static_cast<std::uint32_t>(world.size())) {
    if (root) std::cerr << "p2pgrid: error: " << scenario->peers << " peers cannot be spread over " << world.size()
                        << " ranks\n";
    return kBadInput;
  }

  if (const auto problem = p2pgrid::preflight_problem(output, config_path, *scenario, world)) {
    if (root) std::cerr << "p2pgrid: error: " << *problem << '\n';
    return kBadInput;
  }

  std::unique_ptr<p2pgrid::TraceOutput> trace;
  try {
    trace = p2pgrid::open_trace_output(output, *scenario, world);
  } catch (const p2pgrid::ConfigError& e) {  // e.g. trace.disable names an unknown table
    if (root) std::cerr << "p2pgrid: error: " << e.what() << '\n';
    return kBadInput;
  } catch (const p2pgrid::TraceError& e) {  // creating the file failed on every rank (it is collective)
    if (root) std::cerr << "p2pgrid: error: " << e.what() << '\n';
    return kBadInput;
  }
  try {
    p2pgrid::JobSummarySink jobs(trace->sink());
    const auto result = p2pgrid::run_scenario(*scenario, world, jobs, &std::cout);
    trace->close(result);
    if (root) p2pgrid::print_summary(std::cout, *scenario, result.all);
    jobs.print(std::cout, world);
    if (root && !output.empty()) std::cout << "trace: " << output << '\n';
  } catch (const std::exception& e) {
    std::cerr << "p2pgrid: rank " << world.rank() << ": error: " << e.what() << '\n';
    env.abort(kRunFailed);
  }
  return 0;
}
