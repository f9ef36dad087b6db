#include "p2pgrid/workload/wfcommons_reader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "p2pgrid/workload/synthetic_jobs.hpp"
#include "p2pgrid/workload/trace_line.hpp"

namespace p2pgrid::workload {
namespace {

using Json = nlohmann::json;

/// Reads fields of one JSON file, each error naming the file and the path
/// of the field ("workflow.specification.tasks[2].parents[0]").
class Fields {
 public:
  explicit Fields(const std::string& file) : file_(&file) {}

  [[noreturn]] void fail(const std::string& path, const std::string& reason) const {
    throw TraceFileError(*file_, path + ": " + reason);
  }
  const Json& member(const Json& object, const std::string& path, const char* key) const {
    const auto it = object.find(key);
    if (it == object.end()) fail(path + "." + key, "required field missing");
    return *it;
  }
  const Json& object(const Json& parent, const std::string& path, const char* key) const {
    const Json& v = member(parent, path, key);
    if (!v.is_object()) fail(path + "." + key, "expected an object");
    return v;
  }
  const Json& array(const Json& parent, const std::string& path, const char* key, bool required = true) const {
    static const Json kEmpty = Json::array();
    if (!required && !parent.contains(key)) return kEmpty;
    const Json& v = member(parent, path, key);
    if (!v.is_array()) fail(path + "." + key, "expected an array");
    return v;
  }
  std::string string(const Json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string");
    std::string s = v.get<std::string>();
    if (s.empty()) fail(path, "empty");
    return s;
  }
  double number(const Json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "expected a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || d < 0) fail(path, "expected a non-negative number, got " + v.dump());
    return d;
  }

 private:
  const std::string* file_;
};

std::string at(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

}  // namespace

WfInstance read_wfcommons(const std::string& text, const std::string& file) {
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw TraceFileError(file, "not JSON: byte " + std::to_string(e.byte) + ": " +
                                   std::string(e.what()).substr(std::string(e.what()).rfind(':') + 2));
  }
  const Fields f(file);
  if (!root.is_object()) f.fail("(top level)", "expected an object");
  WfInstance out;
  out.file = file;
  out.name = f.string(f.member(root, "", "name"), "name");
  const std::string version = f.string(f.member(root, "", "schemaVersion"), "schemaVersion");
  if (version != "1.5" && version != "1.6") {
    f.fail("schemaVersion", "version " + version + " is not supported (1.5 or 1.6; migrate older instances with "
                            "WfFormat's tools/wfcommons-migrate-instance.py)");
  }
  const Json& workflow = f.object(root, "", "workflow");
  const Json& spec = f.object(workflow, "workflow", "specification");
  const std::string tasks_path = "workflow.specification.tasks";
  const Json& tasks = f.array(spec, "workflow.specification", "tasks");
  if (tasks.empty()) f.fail(tasks_path, "no tasks");

  std::map<std::string, std::uint64_t> file_size;
  const Json& files = f.array(spec, "workflow.specification", "files", false);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string p = at("workflow.specification.files", i);
    if (!files[i].is_object()) f.fail(p, "expected an object");
    const std::string id = f.string(f.member(files[i], p, "id"), p + ".id");
    const Json& size = f.member(files[i], p, "sizeInBytes");
    if (!size.is_number_integer() || size.get<std::int64_t>() < 0) f.fail(p + ".sizeInBytes", "expected a non-negative integer");
    if (!file_size.emplace(id, size.get<std::uint64_t>()).second) f.fail(p + ".id", "file '" + id + "' declared twice");
  }

  // Tasks in file order first; parents resolved once every id is known.
  std::map<std::string, std::size_t> index;
  std::vector<std::vector<std::string>> parent_ids(tasks.size());
  std::vector<std::set<std::string>> child_ids(tasks.size());
  std::vector<WfTask> read(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const std::string p = at(tasks_path, i);
    if (!tasks[i].is_object()) f.fail(p, "expected an object");
    read[i].id = f.string(f.member(tasks[i], p, "id"), p + ".id");
    f.string(f.member(tasks[i], p, "name"), p + ".name");
    if (!index.emplace(read[i].id, i).second) f.fail(p + ".id", "task '" + read[i].id + "' declared twice");
    const Json& parents = f.array(tasks[i], p, "parents");
    for (std::size_t k = 0; k < parents.size(); ++k) parent_ids[i].push_back(f.string(parents[k], at(p + ".parents", k)));
    const Json& children = f.array(tasks[i], p, "children");
    for (std::size_t k = 0; k < children.size(); ++k) child_ids[i].insert(f.string(children[k], at(p + ".children", k)));
    const Json& inputs = f.array(tasks[i], p, "inputFiles", false);
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const std::string id = f.string(inputs[k], at(p + ".inputFiles", k));
      const auto it = file_size.find(id);
      if (it == file_size.end()) f.fail(at(p + ".inputFiles", k), "file '" + id + "' is not in workflow.specification.files");
      read[i].input_bytes += it->second;
    }
  }
  std::vector<std::vector<std::size_t>> parents_of(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    for (std::size_t k = 0; k < parent_ids[i].size(); ++k) {
      const std::string p = at(at(tasks_path, i) + ".parents", k);
      const auto it = index.find(parent_ids[i][k]);
      if (it == index.end()) f.fail(p, "unknown task '" + parent_ids[i][k] + "'");
      if (it->second == i) f.fail(p, "task '" + read[i].id + "' depends on itself");
      parents_of[i].push_back(it->second);
    }
  }
  // WfFormat expects both lists to describe the same edges; a file where
  // they disagree is ambiguous, so it is refused rather than guessed at.
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    for (std::size_t k = 0; k < parent_ids[i].size(); ++k) {
      if (child_ids[parents_of[i][k]].count(read[i].id) == 0) {
        f.fail(at(at(tasks_path, i) + ".parents", k),
               "'" + parent_ids[i][k] + "' does not list '" + read[i].id + "' among its children");
      }
    }
    for (const std::string& c : child_ids[i]) {
      const auto it = index.find(c);
      const std::string p = at(tasks_path, i) + ".children";
      if (it == index.end()) f.fail(p, "unknown task '" + c + "'");
      const auto& back = parent_ids[it->second];
      if (std::find(back.begin(), back.end(), read[i].id) == back.end()) {
        f.fail(p, "'" + c + "' does not list '" + read[i].id + "' among its parents");
      }
    }
  }

  const Json& execution = f.object(workflow, "workflow", "execution");
  const std::string exec_path = "workflow.execution.tasks";
  const Json& runs = f.array(execution, "workflow.execution", "tasks");
  std::vector<bool> timed(tasks.size(), false);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const std::string p = at(exec_path, i);
    if (!runs[i].is_object()) f.fail(p, "expected an object");
    const std::string id = f.string(f.member(runs[i], p, "id"), p + ".id");
    const auto it = index.find(id);
    if (it == index.end()) f.fail(p + ".id", "task '" + id + "' is not in the specification");
    if (timed[it->second]) f.fail(p + ".id", "task '" + id + "' has two execution entries");
    timed[it->second] = true;
    read[it->second].run_time_s = f.number(f.member(runs[i], p, "runtimeInSeconds"), p + ".runtimeInSeconds");
    if (read[it->second].run_time_s > 1e9) f.fail(p + ".runtimeInSeconds", "beyond the simulated clock (over 1e9 s)");
    if (runs[i].contains("memoryInBytes")) {
      const double bytes = f.number(runs[i]["memoryInBytes"], p + ".memoryInBytes");
      const double mib = std::ceil(bytes / (1024.0 * 1024.0));
      if (mib > 4e9) f.fail(p + ".memoryInBytes", "larger than any node");
      read[it->second].memory_mib = static_cast<std::uint32_t>(mib);
    }
  }
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!timed[i]) f.fail(exec_path, "no entry for task '" + read[i].id + "' (its run time is unknown)");
  }

  // Kahn's algorithm, smallest file position first: parents before children.
  std::vector<std::size_t> pending(tasks.size());
  std::vector<std::vector<std::size_t>> children_of(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    pending[i] = parents_of[i].size();
    for (const std::size_t p : parents_of[i]) children_of[p].push_back(i);
  }
  std::set<std::size_t> ready;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (pending[i] == 0) ready.insert(i);
  }
  std::vector<std::uint32_t> position(tasks.size());
  while (!ready.empty()) {
    const std::size_t i = *ready.begin();
    ready.erase(ready.begin());
    position[i] = static_cast<std::uint32_t>(out.tasks.size());
    WfTask t = read[i];
    for (const std::size_t p : parents_of[i]) t.parents.push_back(position[p]);
    out.tasks.push_back(std::move(t));
    for (const std::size_t c : children_of[i]) {
      if (--pending[c] == 0) ready.insert(c);
    }
  }
  if (out.tasks.size() != tasks.size()) {
    // Some task never became ready: walk up through parents that did not
    // either until a task repeats; that one is on the cycle.
    std::size_t i = 0;
    while (pending[i] == 0) ++i;
    std::vector<bool> seen(tasks.size(), false);
    while (!seen[i]) {
      seen[i] = true;
      i = *std::find_if(parents_of[i].begin(), parents_of[i].end(), [&](std::size_t p) { return pending[p] > 0; });
    }
    f.fail(at(tasks_path, i) + ".parents", "task '" + read[i].id + "' is on a dependency cycle");
  }
  return out;
}

WfInstance read_wfcommons_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw TraceFileError(path, "cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  return read_wfcommons(text.str(), path);
}

grid::JobPlan make_wfcommons_plan(const WfInstance& instance, const WfPlanOptions& options) {
  if (options.clients == 0 || options.clients > options.peers) {
    throw std::invalid_argument("clients must be between 1 and the number of peers");
  }
  JobModel clients;
  clients.clients = options.clients;
  grid::JobPlan plan;
  for (std::uint32_t c = 0; c < options.copies; ++c) {
    grid::ClientPlan& client_plan = plan.by_client[client_peer(clients, options.peers, c % options.clients).value];
    const auto base = static_cast<std::uint32_t>(client_plan.jobs.size());
    std::vector<std::uint32_t> parents;
    for (const WfTask& t : instance.tasks) {
      grid::JobSpec spec;
      spec.submit = options.start + options.interval * static_cast<std::int64_t>(c);
      spec.run_time = Duration{std::llround(t.run_time_s * 1e9)};
      spec.requirements[1] = t.memory_mib;
      spec.input_bytes = t.input_bytes;
      spec.user = c;
      parents.clear();
      for (const std::uint32_t p : t.parents) parents.push_back(base + p);
      client_plan.parents.append(client_plan.jobs.size(), parents);
      client_plan.jobs.push_back(spec);
    }
  }
  return plan;
}

}  // namespace p2pgrid::workload
