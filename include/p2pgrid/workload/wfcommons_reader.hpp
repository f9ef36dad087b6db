#pragma once
/// Workflow instances in the WfCommons JSON format (WfFormat, schema
/// versions 1.5 and 1.6: https://github.com/wfcommons/WfFormat): the
/// structure in workflow.specification (tasks with id, parents, children,
/// inputFiles, outputFiles; files with id and sizeInBytes), the measured
/// run times in workflow.execution.tasks (id, runtimeInSeconds, optional
/// memoryInBytes). Older instances (schema 1.4 and before, tasks directly
/// under workflow) are refused with the version named: migrate them first.
///
/// Mapping to the grid (docs/fairness.md, "Workflows"): each task is one
/// job; its run time is runtimeInSeconds; its parents are its `parents`;
/// its input is the sum of its inputFiles' sizes; its memory requirement is
/// memoryInBytes rounded up to MiB (absent: unconstrained); CPU and disk
/// are unconstrained. Anything it cannot read is a TraceFileError naming
/// the file and the JSON field ("workflow.execution.tasks[3].runtimeInSeconds")
/// and why: a missing or mistyped required field, an unknown parent, a task
/// without an execution entry, a dependency cycle, parents and children
/// that disagree.

#include <cstdint>
#include <string>
#include <vector>

#include "p2pgrid/core/time.hpp"
#include "p2pgrid/grid/params.hpp"

namespace p2pgrid::workload {

struct WfTask {
  std::string id;
  double run_time_s = 0;
  std::uint64_t input_bytes = 0;
  std::uint32_t memory_mib = 0;          ///< 0: unconstrained
  std::vector<std::uint32_t> parents;    ///< indices into WfInstance::tasks, all smaller
};

struct WfInstance {
  std::string file;
  std::string name;
  std::vector<WfTask> tasks;  ///< parents before children (a topological order, stable)
};

/// Parses `text` (the file's contents); `file` names it in errors.
WfInstance read_wfcommons(const std::string& text, const std::string& file);
/// Same, from a path ("PATH: cannot open" if it cannot be read).
WfInstance read_wfcommons_file(const std::string& path);

struct WfPlanOptions {
  std::uint32_t peers = 0;
  std::uint32_t clients = 1;   ///< copy c is submitted by client (c mod clients), as user c
  std::uint32_t copies = 1;    ///< instances of the workflow submitted
  Time start;                  ///< the first copy is submitted here
  Duration interval;           ///< between copies
};

/// The copies as a plan: every task of copy c is due at start + c *
/// interval, and the client submits each once its parents completed.
grid::JobPlan make_wfcommons_plan(const WfInstance& instance, const WfPlanOptions& options);

}  // namespace p2pgrid::workload
