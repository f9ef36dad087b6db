#include "support/trace_file.hpp"

#include <hdf5.h>

#include <optional>

#include "p2pgrid/api/memory_trace_sink.hpp"
#include "p2pgrid/app/job_summary.hpp"
#include "p2pgrid/app/trace_output.hpp"

namespace p2pgrid::test {

bool run_to_file(const boost::mpi::communicator& comm, const Scenario& scenario, const std::string& path,
                 CheckpointOptions checkpoint) {
  // As main.cpp does it.
  std::optional<CheckpointHeader> resumed;
  if (!checkpoint.resume_path.empty()) resumed = shared_checkpoint_header(checkpoint.resume_path, scenario, comm);
  const auto trace = open_trace_output(path, scenario, comm, {}, resumed ? &*resumed : nullptr);
  JobSummarySink jobs(trace->sink());
  count_earlier_jobs(*trace, jobs);
  checkpoint.record_trace = [&trace](CheckpointHeader& header) { trace->record_position(header); };
  const RunResult result = run_scenario(scenario, comm, jobs, {}, {}, checkpoint);
  if (result.checkpointed) {
    trace->close_stopped();
    return true;
  }
  trace->close(result, jobs.accepted_runs());
  return false;
}

std::string file_canonical(const std::string& path, const std::vector<const TableDesc*>& tables) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return "cannot open " + path + "\n";
  std::int64_t complete = -1;
  if (const hid_t a = H5Aopen(file, "complete", H5P_DEFAULT); a >= 0) {
    H5Aread(a, H5T_NATIVE_INT64, &complete);
    H5Aclose(a);
  }
  std::string out = "complete=" + std::to_string(complete) + "\n";
  for (const TableDesc* table : tables) {
    std::vector<std::byte> bytes;
    const hid_t ds = H5Dopen2(file, std::string(table->name).c_str(), H5P_DEFAULT);
    if (ds >= 0) {
      const hid_t type = H5Dget_type(ds);
      const hid_t space = H5Dget_space(ds);
      const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
      if (H5Tget_size(type) == table->row_size) {
        bytes.resize(n * table->row_size);
        if (n > 0) H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
      }
      H5Sclose(space);
      H5Tclose(type);
      H5Dclose(ds);
    }
    out += "# " + std::string(table->name) + "\n" + canonical_text(*table, bytes);
  }
  H5Fclose(file);
  return out;
}

}  // namespace p2pgrid::test
