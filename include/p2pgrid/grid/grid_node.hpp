#pragma once
/// The job roles of one peer (paper §2, Figure 1): client, owner and run
/// node. Any peer may play all three for different jobs.
///
/// - Client: submits its planned jobs through itself as injection peer,
///   which gives each attempt a GUID and routes it to the owner; hears
///   status from the owner and the result from the run node; resubmits when
///   it hears nothing for client_timeout; accepts exactly one result.
/// - Owner: matches the job to a run node, watches its heartbeats, and
///   matches again when they stop (run-node failure).
/// - Run node: a queue, one job at a time, started in arrival order (FIFO)
///   or by fair share between users (FairShare), with this node's usage
///   or (fair_global) the central server's global usage; heartbeats to the owner for
///   every queued or running job over a direct connection; when the owner
///   stops acknowledging, routes the profile to the GUID's new owner.
///
/// All of it is driven by one per-peer tick timer (the heartbeat period),
/// armed only while the peer has work, and by the completion timer of the
/// running job.

#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "p2pgrid/api/context.hpp"
#include "p2pgrid/core/indexed_list.hpp"
#include "p2pgrid/grid/fair_share.hpp"
#include "p2pgrid/grid/host.hpp"
#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/grid/messages.hpp"
#include "p2pgrid/grid/params.hpp"
#include "p2pgrid/grid/pending_requests.hpp"

namespace p2pgrid::grid {

/// One row per submission attempt, written when the client sends it: with
/// the jobs table, shows that no job vanished (every job submitted has a
/// final row, unless its client itself crashed).
struct SubmissionRecord {
  std::uint64_t job;
  std::uint64_t guid;
  std::int64_t time_ns;
  std::uint32_t client;
  std::uint32_t attempt;

  static const TableDesc kTable;
};

/// One row each time an owner presumes a job's run node dead and starts
/// matching the job again (paper §2's recovery). With the faults table (when
/// the node crashed) and the jobs table (when the accepted run started) it
/// gives the recovery time from failure to the job running again.
struct RecoveryRecord {
  std::uint64_t job;
  std::int64_t detected_ns;    ///< the owner gave up on the run node
  std::int64_t last_heard_ns;  ///< the run node's last heartbeat
  std::uint32_t owner;
  std::uint32_t run_node;      ///< the node presumed dead
  std::uint32_t attempt;
  std::uint32_t started;       ///< 1 if the job had started there (0: queued)

  static const TableDesc kTable;
};

class GridNode {
 public:
  GridNode(PeerId self, const Params& params);

  void on_start(Context& ctx);
  void on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Host& host);
  void on_timer(Context& ctx, std::uint64_t tag, Host& host);
  /// A grid message routed through the overlay arrived here (this peer owns the key).
  void on_routed(Context& ctx, std::span<const std::byte> bytes, std::uint32_t hops, Host& host);
  /// The matchmaker's answer to a round this peer (an owner) started.
  void on_match_answer(Context& ctx, const MatchAnswer& answer);
  /// Writes the rows of every job this peer's client still holds, and a
  /// grid_held row if this peer still holds any job state.
  void on_finish(Context& ctx, bool alive);

  /// Submits a job now, outside the plan (a live node's user), as job
  /// `self << 32 | sequence`; the caller keeps sequences unique per client.
  /// Returns the job's id.
  std::uint64_t submit(Context& ctx, const JobSpec& spec, std::uint32_t sequence, Host& host);

  // --- What this peer itself knows, for its matchmaker to report. -------
  [[nodiscard]] const Resources& capabilities() const { return capabilities_; }
  /// Jobs queued or running here.
  [[nodiscard]] std::uint32_t queue_length() const { return static_cast<std::uint32_t>(queue_.size()); }
  /// What the containers hold beyond sizeof(GridNode) (memory report).
  [[nodiscard]] std::uint64_t heap_bytes() const;
  /// Nominal run time still ahead of a job queued here now.
  [[nodiscard]] Duration queued_work(Time now) const;
  /// Jobs of this peer's client not yet in a final state (completed or
  /// failed), those it has still to submit included.
  [[nodiscard]] std::uint64_t open_jobs() const;
  /// Jobs this peer owns and has not finished (tests).
  [[nodiscard]] std::size_t owned() const;

  /// Checkpointed state (p2pgrid/core/fields.hpp, docs/checkpoint.md): the
  /// three roles' jobs, the workflows' progress, the fair queue's accounts,
  /// pending rounds, timers and flags. Not written: params_ and self_, and
  /// what on_start derives from them (capabilities_, plan_, whether fair_
  /// exists), which a reader derives again when `grid.started` says so.
  template <class S, class V>
  static void fields(S& s, V& v) {
    v("grid.started", s.started_);
    rederive(s);
    v("grid.next_job", s.next_job_);
    v.list("grid.settled", s.settled_, kMaxStateList);
    v.list("grid.waiting", s.waiting_, kMaxStateList);
    if (s.fair_) v("grid.fair", *s.fair_);
    if (s.global_usage_) v("grid.global_usage", *s.global_usage_);
    v.list("grid.client", s.client_.items(), kMaxStateList);
    v.list("grid.owned", s.owned_.items(), kMaxStateList);
    reindex(s);
    v("grid.rounds", s.rounds_);
    v.list("grid.queue", s.queue_, kMaxStateList);
    v.list("grid.finished", s.finished_, kMaxStateList);
    v("grid.complete_timer", s.complete_timer_);
    v("grid.running", s.running_);
    v("grid.ticking", s.ticking_);
  }

 private:
  enum class TimerKind : std::uint8_t { kTick = 1, kSubmit, kComplete, kRound };

  /// While a checkpoint is read (a mutable node), derives what on_start
  /// takes from the configuration; nothing while one is written.
  static void rederive(const GridNode& /*node*/) {}
  static void rederive(GridNode& node) {
    if (node.started_) node.configure();
  }
  /// What on_start takes from the configuration.
  void configure();
  /// After a checkpoint's job lists were read, their lookup indexes.
  static void reindex(const GridNode& /*node*/) {}
  static void reindex(GridNode& node) {
    node.client_.reindex();
    node.owned_.reindex();
  }

  struct ClientJob {
    JobProfile profile;      ///< current attempt
    JobHistory history;      ///< from the accepted result
    Time last_heard;
    Time pending_since;      ///< when the current attempt was last seen unplaced
    Time finished = Time{-1};
    PeerId owner;
    PeerId run_node;
    RingId result_guid = 0;  ///< of the accepted result (a repeat of it is no duplicate)
    std::uint32_t duplicates = 0;
    std::uint32_t recoveries_seen = 0;  ///< the largest count an owner reported
    JobState last_state = JobState::kPending;
    bool done = false;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("client.profile", s.profile);
      v("client.history", s.history);
      v("client.last_heard", s.last_heard);
      v("client.pending_since", s.pending_since);
      v("client.finished", s.finished);
      v("client.owner", s.owner);
      v("client.run_node", s.run_node);
      v("client.result_guid", s.result_guid);
      v("client.duplicates", s.duplicates);
      v("client.recoveries_seen", s.recoveries_seen);
      v("client.last_state", s.last_state);
      v("client.done", s.done);
    }
  };
  enum class OwnerState : std::uint8_t { kMatching, kWaiting, kAssigned, kFailed, kFinished };
  friend constexpr bool wire_enum_valid(OwnerState s) { return s <= OwnerState::kFinished; }
  friend constexpr const char* wire_enum_noun(OwnerState /*s*/) { return "owner state"; }
  struct OwnedJob {
    JobProfile profile;
    JobHistory history;
    Time last_heard;
    Time retry_at;
    Time match_since;        ///< this matching episode began (insert, or the run node presumed dead)
    Time ended = Time{-1};   ///< kFailed / kFinished: since when
    PeerId run_node;
    std::uint32_t round = 0;  ///< rounds started in this episode
    std::uint32_t repeats = 0;  ///< kFailed: verdicts still to repeat to the client
    OwnerState state = OwnerState::kMatching;
    OwnerVerdict verdict = OwnerVerdict::kMatchDeadline;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("owned.profile", s.profile);
      v("owned.history", s.history);
      v("owned.last_heard", s.last_heard);
      v("owned.retry_at", s.retry_at);
      v("owned.match_since", s.match_since);
      v("owned.ended", s.ended);
      v("owned.run_node", s.run_node);
      v("owned.round", s.round);
      v("owned.repeats", s.repeats);
      v("owned.state", s.state);
      v("owned.verdict", s.verdict);
    }
  };
  struct QueuedJob {
    JobProfile profile;
    JobHistory history;
    Time last_ack;
    PeerId owner;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("queued.profile", s.profile);
      v("queued.history", s.history);
      v("queued.last_ack", s.last_ack);
      v("queued.owner", s.owner);
    }
  };
  /// A job this run node finished, until its owner has acknowledged the
  /// Done and its client the Result (or the repeats ran out).
  struct FinishedJob {
    Result result;
    PeerId client;
    std::uint32_t done_repeats;    ///< Done messages still to send (to result.owner)
    std::uint32_t result_repeats;  ///< Result messages still to send

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("finished.result", s.result);
      v("finished.client", s.client);
      v("finished.done_repeats", s.done_repeats);
      v("finished.result_repeats", s.result_repeats);
    }
  };
  struct RoundKey {
    std::uint64_t job;
    std::uint32_t attempt;

    template <class S, class V>
    static void fields(S& s, V& v) {
      v("round.job", s.job);
      v("round.attempt", s.attempt);
    }
  };

  // client
  void submit_next(Context& ctx, Host& host);
  void inject(Context& ctx, ClientJob& job, Host& host);
  void client_tick(Context& ctx, Host& host);
  void on_status(Context& ctx, PeerId from, const Status& m);
  void on_result(Context& ctx, PeerId from, const Result& m, Host& host);
  void on_result_ack(const ResultAck& m);
  void on_failed(Context& ctx, PeerId from, const Failed& m, Host& host);
  void write_record(Context& ctx, const ClientJob& job, JobStatus status, JobFailure reason) const;
  ClientJob* client_job(std::uint64_t job);
  /// The job this client submits for plan entry `index` (not yet injected).
  [[nodiscard]] ClientJob make_job(Context& ctx, const JobSpec& spec, std::uint32_t sequence) const;
  /// Workflows: plan entry `index` completed (`ok`) or failed; submits the
  /// waiting jobs that became runnable, fails those that never can.
  void settle(Context& ctx, std::uint64_t job, bool ok, Host& host);
  /// Submits or fails every waiting job whose parents are all settled.
  void release_waiting(Context& ctx, Host& host);

  // owner
  void on_insert(Context& ctx, const Insert& m, std::uint32_t hops, Host& host);
  void on_heartbeat(Context& ctx, PeerId from, const Heartbeat& m);
  void on_done(Context& ctx, PeerId from, const Done& m);
  void on_withdraw(Context& ctx, const Withdraw& m);
  void on_handoff(Context& ctx, const Handoff& m, std::uint32_t hops);
  void owner_tick(Context& ctx, Host& host);
  void start_round(Context& ctx, OwnedJob& job, Host& host);
  void rematch(Context& ctx, OwnedJob& job, Host& host);
  void cancel_round(Context& ctx, const OwnedJob& job);
  void end_owned(Context& ctx, OwnedJob& job, OwnerState state);
  /// The owner's final verdict for the client, with what matching cost.
  static Failed failed_of(const OwnedJob& job) {
    return {job.profile.job, job.profile.attempt, job.verdict, job.history.match_hops, job.history.match_messages};
  }
  OwnedJob* owned_job(std::uint64_t job, std::uint32_t attempt);

  // run node
  void on_assign(Context& ctx, PeerId from, const Assign& m);
  void on_ack(Context& ctx, PeerId from, const HeartbeatAck& m);
  void start_next(Context& ctx);
  void complete(Context& ctx);
  void run_node_tick(Context& ctx, Host& host);
  /// Distinct users of the jobs waiting (not running) here, in arrival order.
  [[nodiscard]] std::vector<std::uint32_t> waiting_users() const;

  // fair_global: run node <-> central server
  /// Tells the server of a start (`work` > 0) and asks for the global usage
  /// of `users`, in as many UsageUpdates as it takes.
  void send_usage(Context& ctx, std::uint32_t charged_user, Duration work, std::span<const std::uint32_t> users);
  void on_usage_update(Context& ctx, PeerId from, const UsageUpdate& m);
  void on_usage_report(Context& ctx, const UsageReport& m);
  [[nodiscard]] Duration run_time_here(const JobProfile& p) const;

  void send(Context& ctx, PeerId to, const Message& m) const;
  void ensure_tick(Context& ctx);
  [[nodiscard]] bool has_work() const {
    return !client_.empty() || !owned_.empty() || !queue_.empty() || !finished_.empty();
  }
  [[nodiscard]] Duration silence_limit() const { return params_->heartbeat * params_->missed_heartbeats; }

  const Params* params_;
  PeerId self_;
  Resources capabilities_{};
  const ClientPlan* plan_ = nullptr;
  std::uint32_t next_job_ = 0;
  enum class Settled : std::uint8_t { kOpen, kCompleted, kFailed };
  friend constexpr bool wire_enum_valid(Settled s) { return s <= Settled::kFailed; }
  friend constexpr const char* wire_enum_noun(Settled /*s*/) { return "workflow job state"; }
  std::vector<Settled> settled_;    ///< per plan entry; only for a client with workflows
  std::vector<std::uint32_t> waiting_;  ///< plan entries due but waiting for their parents
  std::optional<FairShare> fair_;   ///< kFair: this node's accounts; kFairGlobal: the server's figures
  std::optional<FairShare> global_usage_;  ///< kFairGlobal, on the server: every start in the grid
  static std::uint64_t client_key(const ClientJob& j) { return j.profile.job; }
  static std::pair<std::uint64_t, std::uint32_t> owned_key(const OwnedJob& j) {
    return {j.profile.job, j.profile.attempt};
  }
  IndexedList<ClientJob, std::uint64_t, &client_key> client_;
  /// Includes finished and failed jobs until forget_after.
  IndexedList<OwnedJob, std::pair<std::uint64_t, std::uint32_t>, &owned_key> owned_;
  PendingRequests<RoundKey> rounds_{ProtocolId::kGrid, static_cast<std::uint8_t>(TimerKind::kRound)};
  std::vector<QueuedJob> queue_;  ///< front is running once `running_`
  std::vector<FinishedJob> finished_;
  TimerId complete_timer_;
  bool running_ = false;
  bool ticking_ = false;
  bool started_ = false;  ///< on_start ran (since the last crash)
};

/// One row per peer that still holds job state when the run ends (client
/// jobs not yet recorded, owned jobs, queued jobs, unacknowledged Done
/// messages). A run that lasts past every deadline and forget_after has
/// none: nothing of the grid is still working.
struct HeldRecord {
  std::uint32_t peer;
  std::uint32_t client_jobs;
  std::uint32_t owned_jobs;
  std::uint32_t queued_jobs;
  std::uint32_t finished_unacked;  ///< finished jobs whose Done or Result is not yet acknowledged

  static const TableDesc kTable;
};

}  // namespace p2pgrid::grid
