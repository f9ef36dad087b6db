#pragma once
/// Runs one job's program in a sandbox: bubblewrap (the `bwrap` of Debian's
/// bubblewrap package) gives it fresh user, PID, mount, network, IPC and UTS
/// namespaces, a read-only view of /usr and /etc, a private /tmp, no /home
/// or /root, and its job directory as the only writable place (/job); the
/// daemon's state directory and secret are never mounted. Before bwrap runs,
/// the child drops to the sandbox uid and sets rlimits (CPU time, file size,
/// process count, an address-space backstop). The daemon watches the job's
/// process tree and kills it on overrun of wall time, memory (the sum of its
/// processes' resident sets) or process count, recording which.
///
/// Why bubblewrap and not namespaces plus seccomp written here: it is the
/// sandbox Flatpak ships, it sets up the mount namespace (the hard part) the
/// same way on every Debian machine, and it runs unprivileged; a syscall
/// filter would add little to a process that has no network and no
/// writable host path.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2pgrid::live {

struct SandboxLimits {
  std::chrono::nanoseconds wall{};   ///< killed after this (reason "timeout")
  std::chrono::seconds cpu{};        ///< RLIMIT_CPU per process (reason "cpu")
  std::uint64_t memory_bytes = 0;    ///< resident set of the whole job (reason "memory")
  std::uint64_t file_size_bytes = 0; ///< RLIMIT_FSIZE (reason "file_size")
  std::uint32_t processes = 0;       ///< RLIMIT_NPROC for the uid, and the job's tree (reason "processes")
  std::uint32_t uid = 65534;         ///< the job runs as this uid when the daemon is root
};

struct SandboxResult {
  int exit_code = -1;
  int signal = 0;
  std::string reason;  ///< see live::Outcome::reason
};

class SandboxedJob {
 public:
  /// Starts `argv` with `dir`/work as /job, stdout and stderr into
  /// `dir`/stdout and `dir`/stderr. `hidden` are host paths a job must not
  /// see even if they lie under /usr or /etc. Throws std::runtime_error if
  /// it cannot start.
  SandboxedJob(const std::filesystem::path& dir, const std::vector<std::string>& argv, const SandboxLimits& limits,
               const std::vector<std::filesystem::path>& hidden);
  SandboxedJob(const SandboxedJob&) = delete;
  SandboxedJob& operator=(const SandboxedJob&) = delete;
  ~SandboxedJob();

  /// Checks the job once (call it every few tens of milliseconds): returns
  /// the result once it has ended, killing it first on an overrun.
  std::optional<SandboxResult> poll();
  /// Ends it now (the job layer dropped the job); no result.
  void kill_now();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  SandboxLimits limits_;
  std::chrono::steady_clock::time_point started_;
  std::string killed_for_;  ///< set when the daemon killed it
};

/// Whether bwrap exists and can create its namespaces here (a one-line
/// reason when it cannot).
std::optional<std::string> sandbox_problem();

}  // namespace p2pgrid::live
