#include "p2pgrid/live/sandbox.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace p2pgrid::live {
namespace {

namespace fs = std::filesystem;

/// pid -> (parent, resident bytes) of every process on the machine.
std::map<pid_t, std::pair<pid_t, std::uint64_t>> process_table() {
  std::map<pid_t, std::pair<pid_t, std::uint64_t>> table;
  static const long page = sysconf(_SC_PAGESIZE);
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return table;
  while (const dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0') continue;
    std::ifstream stat("/proc/" + std::string(e->d_name) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // Fields after the command (which may hold spaces) start past the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    long ppid = 0;
    rest >> state >> ppid;
    std::string skip;
    for (int i = 0; i < 19; ++i) rest >> skip;  // fields 5..23; the next one is rss (24)
    long rss = 0;
    rest >> rss;
    table[static_cast<pid_t>(pid)] = {static_cast<pid_t>(ppid), static_cast<std::uint64_t>(std::max(0L, rss) * page)};
  }
  closedir(proc);
  return table;
}

/// The processes under `root` (itself included) and their summed resident set.
std::pair<std::uint32_t, std::uint64_t> tree_usage(pid_t root) {
  const auto table = process_table();
  std::map<pid_t, std::vector<pid_t>> children;
  for (const auto& [pid, info] : table) children[info.first].push_back(pid);
  std::uint32_t count = 0;
  std::uint64_t rss = 0;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    const auto it = table.find(p);
    if (it == table.end()) continue;
    ++count;
    rss += it->second.second;
    for (const pid_t c : children[p]) todo.push_back(c);
  }
  return {count, rss};
}

void set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit l{soft, hard};
  setrlimit(resource, &l);
}

/// Where the system's directories are: symlinks (merged /usr) are recreated
/// as symlinks, real directories are bound read-only.
void add_system_dirs(std::vector<std::string>& args) {
  args.insert(args.end(), {"--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"});
  for (const char* d : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    const auto status = fs::symlink_status(d, ec);
    if (ec || !fs::exists(status)) continue;
    if (fs::is_symlink(status)) {
      args.insert(args.end(), {"--symlink", fs::read_symlink(d).string(), d});
    } else {
      args.insert(args.end(), {"--ro-bind", d, d});
    }
  }
}

}  // namespace

SandboxedJob::SandboxedJob(const fs::path& dir, const std::vector<std::string>& argv, const SandboxLimits& limits,
                           const std::vector<fs::path>& hidden)
    : limits_(limits), started_(std::chrono::steady_clock::now()) {
  if (argv.empty()) throw std::runtime_error("no program to run");
  const fs::path work = dir / "work";
  fs::create_directories(work);
  const bool root = geteuid() == 0;
  if (root) {
    // The job's uid owns only its work directory.
    for (const auto& entry : fs::recursive_directory_iterator(work)) {
      static_cast<void>(chown(entry.path().c_str(), limits.uid, limits.uid));
    }
    static_cast<void>(chown(work.c_str(), limits.uid, limits.uid));
    // bwrap runs as the job's uid and must reach the work directory to
    // mount it; the job itself never sees the host's path.
    fs::permissions(work, fs::perms::owner_all);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  }

  std::vector<std::string> args{"bwrap", "--unshare-all", "--die-with-parent", "--new-session"};
  add_system_dirs(args);
  args.insert(args.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", work.string(), "/job"});
  for (const fs::path& h : hidden) {
    // A path inside the bound system directories is covered by an empty
    // tmpfs; anything else is simply not mounted.
    const std::string s = h.string();
    if (s.starts_with("/usr/") || s.starts_with("/etc/")) args.insert(args.end(), {"--tmpfs", s});
  }
  args.insert(args.end(), {"--chdir", "/job", "--hostname", "p2pgrid-job", "--clearenv", "--setenv", "PATH",
                           "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/job", "--setenv", "TMPDIR", "/tmp",
                           "--"});
  args.insert(args.end(), argv.begin(), argv.end());

  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> cargs;
  for (auto& a : args) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  const std::string out_path = (dir / "stdout").string();
  const std::string err_path = (dir / "stderr").string();
  const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0 || in < 0) {
    for (const int fd : {out, err, in}) {
      if (fd >= 0) close(fd);
    }
    throw std::runtime_error("cannot create the outputs in " + dir.string() + ": " + std::strerror(errno));
  }
  const rlim_t cpu = static_cast<rlim_t>(limits.cpu.count());
  // The resident-set watch is the memory limit; the address space is only a
  // backstop against growth faster than the watch (runtimes reserve far
  // more address space than they touch, hence the slack).
  const rlim_t address_space = static_cast<rlim_t>(limits.memory_bytes * 4 + (std::uint64_t{1} << 30));

  pid_ = fork();
  if (pid_ < 0) {
    for (const int fd : {out, err, in}) close(fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    setpgid(0, 0);
    dup2(in, STDIN_FILENO);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // Nothing of the daemon's (its socket above all) reaches the job.
    for (int fd = STDERR_FILENO + 1; fd < 1024; ++fd) close(fd);
    signal(SIGPIPE, SIG_DFL);
    if (cpu > 0) set_limit(RLIMIT_CPU, cpu, cpu + 1);
    if (limits.file_size_bytes > 0) set_limit(RLIMIT_FSIZE, limits.file_size_bytes, limits.file_size_bytes);
    if (limits.memory_bytes > 0) set_limit(RLIMIT_AS, address_space, address_space);
    if (limits.processes > 0) set_limit(RLIMIT_NPROC, limits.processes, limits.processes);
    set_limit(RLIMIT_CORE, 0, 0);
    if (geteuid() == 0) {
      // RLIMIT_NPROC does not bind root, and root could undo the rest.
      if (setgroups(0, nullptr) != 0 || setgid(limits.uid) != 0 || setuid(limits.uid) != 0) _exit(126);
    }
    execvp("bwrap", cargs.data());
    _exit(127);
  }
  for (const int fd : {out, err, in}) close(fd);
}

SandboxedJob::~SandboxedJob() {
  if (pid_ > 0) kill_now();
}

void SandboxedJob::kill_now() {
  if (pid_ <= 0) return;
  // bwrap runs with --die-with-parent and a PID namespace: once it is
  // gone, every process of the job is.
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::optional<SandboxResult> SandboxedJob::poll() {
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    pid_ = -1;
    SandboxResult r;
    if (WIFSIGNALED(status)) {
      r.signal = WTERMSIG(status);
    } else if (WIFEXITED(status)) {
      // bwrap exits with its child's code, or 128 + the signal that killed it.
      const int code = WEXITSTATUS(status);
      if (code > 128 && code < 128 + 65) r.signal = code - 128;
      else r.exit_code = code;
    }
    if (!killed_for_.empty()) r.reason = killed_for_;
    else if (r.signal == SIGXCPU) r.reason = "cpu";
    else if (r.signal == SIGXFSZ) r.reason = "file_size";
    else if (r.signal != 0) r.reason = "signal";
    else if (r.exit_code == 0) r.reason = "none";
    else r.reason = "exit";
    return r;
  }
  if (!killed_for_.empty()) return std::nullopt;
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  if (limits_.wall.count() > 0 && elapsed > limits_.wall) {
    killed_for_ = "timeout";
  } else {
    const auto [count, rss] = tree_usage(pid_);
    // The tree counts bwrap too: RLIMIT_NPROC counts it as well, so a fork
    // bomb ends here at the limit rather than spinning on failed forks.
    if (limits_.memory_bytes > 0 && rss > limits_.memory_bytes) killed_for_ = "memory";
    else if (limits_.processes > 0 && count >= limits_.processes) killed_for_ = "processes";
  }
  if (!killed_for_.empty()) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
  }
  return std::nullopt;
}

std::optional<std::string> sandbox_problem() {
  const int rc = std::system("bwrap --unshare-all --ro-bind / / true >/dev/null 2>&1");
  if (rc != 0) return "bwrap cannot create its namespaces here (install Debian's bubblewrap; user namespaces must be enabled)";
  return std::nullopt;
}

}  // namespace p2pgrid::live
