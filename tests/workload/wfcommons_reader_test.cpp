// The WfCommons reader on the hand-written Montage-shaped instance in
// tests/data (tasks listed out of order), and the exact message for each
// kind of bad file. Expected values are worked out by hand from the file.

#include "p2pgrid/workload/wfcommons_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid::workload {
namespace {

const std::string kSample = std::string(P2PGRID_SOURCE_DIR) + "/tests/data/montage-small.json";

std::string sample_text() {
  std::ifstream in(kSample);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The sample with the first occurrence of `from` replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
  std::string text = sample_text();
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::string error_of(const std::string& text) {
  try {
    read_wfcommons(text, "wf.json");
  } catch (const TraceFileError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WfCommons, ReadsTheSampleInDependencyOrder) {
  const WfInstance w = read_wfcommons_file(kSample);
  EXPECT_EQ(w.name, "montage-small");
  ASSERT_EQ(w.tasks.size(), 6U);
  const std::vector<std::string> ids{"ID000001", "ID000002", "ID000003", "ID000004", "ID000005", "ID000006"};
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(w.tasks[i].id, ids[i]);
  EXPECT_EQ(w.tasks[0].parents, std::vector<std::uint32_t>{});
  EXPECT_EQ(w.tasks[2].parents, (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(w.tasks[3].parents, (std::vector<std::uint32_t>{2}));
  EXPECT_EQ(w.tasks[4].parents, (std::vector<std::uint32_t>{0, 3}));
  EXPECT_EQ(w.tasks[5].parents, (std::vector<std::uint32_t>{4, 1}));
  EXPECT_DOUBLE_EQ(w.tasks[0].run_time_s, 60.5);
  EXPECT_DOUBLE_EQ(w.tasks[5].run_time_s, 120.0);
  EXPECT_EQ(w.tasks[0].memory_mib, 200U);
  EXPECT_EQ(w.tasks[4].memory_mib, 2U) << "1 MiB + 1 byte rounds up";
  EXPECT_EQ(w.tasks[1].memory_mib, 0U);
  EXPECT_EQ(w.tasks[5].input_bytes, 16777216U);
  EXPECT_EQ(w.tasks[2].input_bytes, 16777216U);
}

TEST(WfCommons, PlanGivesEachCopyItsClientUserAndTime) {
  const WfInstance w = read_wfcommons_file(kSample);
  WfPlanOptions o;
  o.peers = 100;
  o.clients = 2;
  o.copies = 3;
  o.start = Time{Duration::seconds(60).ns};
  o.interval = Duration::seconds(600);
  const grid::JobPlan plan = make_wfcommons_plan(w, o);
  const auto& first = plan.by_client.at(0).jobs;   // copies 0 and 2
  const auto& second = plan.by_client.at(50).jobs;  // copy 1
  const std::span<const std::uint32_t> parents = plan.by_client.at(0).parents.of(11);
  ASSERT_EQ(first.size(), 12U);
  ASSERT_EQ(second.size(), 6U);
  EXPECT_EQ(first[6].submit, Time{Duration::seconds(1260).ns});
  EXPECT_EQ(first[6].user, 2U);
  EXPECT_EQ(std::vector<std::uint32_t>(parents.begin(), parents.end()), (std::vector<std::uint32_t>{10, 7}))
      << "copy 2's parents point into copy 2";
  EXPECT_EQ(second[0].submit, Time{Duration::seconds(660).ns});
  EXPECT_EQ(second[5].run_time, Duration::seconds(120));
  EXPECT_EQ(first[0].requirements, (grid::Resources{0, 200, 0}));
}

TEST(WfCommons, BadFilesNameTheFieldAndTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{\"name\": ", "wf.json: not JSON: byte 10: "},
      {edited("\"schemaVersion\": \"1.5\"", "\"schemaVersion\": \"1.4\""),
       "wf.json: schemaVersion: version 1.4 is not supported"},
      {edited("\"schemaVersion\": \"1.5\",", ""), "wf.json: .schemaVersion: required field missing"},
      {edited("{\"id\": \"ID000003\", \"runtimeInSeconds\": 30.0}", "{\"id\": \"ID000003\"}"),
       "wf.json: workflow.execution.tasks[2].runtimeInSeconds: required field missing"},
      {edited("\"runtimeInSeconds\": 10.0", "\"runtimeInSeconds\": \"ten\""),
       "wf.json: workflow.execution.tasks[3].runtimeInSeconds: expected a number"},
      {edited("\"runtimeInSeconds\": 10.0", "\"runtimeInSeconds\": -1"),
       "wf.json: workflow.execution.tasks[3].runtimeInSeconds: expected a non-negative number, got -1"},
      {edited("{\"id\": \"ID000004\", \"runtimeInSeconds\": 10.0},", ""),
       "wf.json: workflow.execution.tasks: no entry for task 'ID000004'"},
      {edited("\"parents\": [\"ID000003\"]", "\"parents\": [\"ID000009\"]"),
       "wf.json: workflow.specification.tasks[4].parents[0]: unknown task 'ID000009'"},
      {edited("\"children\": [\"ID000003\", \"ID000006\"]", "\"children\": [\"ID000003\"]"),
       "wf.json: workflow.specification.tasks[0].parents[1]: 'ID000002' does not list 'ID000006' among its children"},
      {edited("\"parents\": [], \"children\": [\"ID000003\", \"ID000005\"]",
              "\"parents\": [\"ID000005\"], \"children\": [\"ID000003\", \"ID000005\"]"),
       "wf.json: workflow.specification.tasks[1].parents[0]: 'ID000005' does not list 'ID000001' among its children"},
      {edited("\"children\": [\"ID000003\", \"ID000005\"]", "\"children\": [\"ID000003\", \"ID000005\", \"ID000004\"]"),
       "wf.json: workflow.specification.tasks[1].children: 'ID000004' does not list 'ID000001' among its parents"},
      {edited("\"inputFiles\": [\"diff.fits\"]", "\"inputFiles\": [\"nope.fits\"]"),
       "wf.json: workflow.specification.tasks[4].inputFiles[0]: file 'nope.fits' is not in workflow.specification.files"},
      {edited("\"parents\": [\"ID000003\"], \"children\": [\"ID000005\"]", "\"parents\": 3, \"children\": [\"ID000005\"]"),
       "wf.json: workflow.specification.tasks[4].parents: expected an array"},
      {edited("\"tasks\": [\n        {\"name\": \"mAdd\", \"id\": \"ID000006\"", "\"tasks\": [\n        {\"name\": \"mAdd\", \"id\": \"ID000001\""),
       "wf.json: workflow.specification.tasks[1].id: task 'ID000001' declared twice"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string got = error_of(text);
    EXPECT_EQ(got.rfind(expected, 0), 0U) << "got:      " << got << "\nexpected: " << expected;
  }
}

TEST(WfCommons, ACycleIsRefused) {
  // ID000001 made a child of ID000005 (both lists agree): 1 -> 5 -> 1.
  std::string text = edited("\"parents\": [], \"children\": [\"ID000003\", \"ID000005\"]",
                            "\"parents\": [\"ID000005\"], \"children\": [\"ID000003\", \"ID000005\"]");
  const auto at = text.find("\"children\": [\"ID000006\"],\n         \"inputFiles\": [\"proj1.fits\", \"fits.tbl\"]");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"children\": [\"ID000006\"]").size(), "\"children\": [\"ID000006\", \"ID000001\"]");
  EXPECT_EQ(error_of(text).rfind("wf.json: workflow.specification.tasks[5].parents: task 'ID000005' is on a dependency cycle", 0), 0U)
      << error_of(text);
}

TEST(WfCommons, AMissingFileIsNamed) {
  try {
    read_wfcommons_file("/nonexistent/wf.json");
    FAIL();
  } catch (const TraceFileError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/wf.json: cannot open");
  }
}

}  // namespace
}  // namespace p2pgrid::workload
