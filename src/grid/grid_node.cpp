#include "p2pgrid/grid/grid_node.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/job_record.hpp"

namespace p2pgrid::grid {
namespace {

std::uint64_t tag(std::uint8_t kind) { return timer_tag(ProtocolId::kGrid, kind); }

}  // namespace

GridNode::GridNode(PeerId self, const Params& params) : params_(&params), self_(self) {}

void GridNode::configure() {
  if (params_->capabilities_of) capabilities_ = params_->capabilities_of(self_);
  if (params_->queue_policy != QueuePolicy::kFifo) fair_.emplace(params_->fair_half_life);
  if (params_->queue_policy == QueuePolicy::kFairGlobal && self_ == params_->usage_server) {
    global_usage_.emplace(params_->fair_half_life);
  }
  plan_ = params_->plan ? params_->plan->of(self_) : nullptr;
}

void GridNode::on_start(Context& ctx) {
  started_ = true;
  configure();
  if (plan_ == nullptr) return;
  const std::vector<JobSpec>& jobs = plan_->jobs;
  if (plan_->parents.any()) settled_.assign(jobs.size(), Settled::kOpen);
  // A client that comes back after a crash does not submit what it planned
  // while it was down: those jobs were never submitted.
  while (next_job_ < jobs.size() && jobs[next_job_].submit < ctx.now()) ++next_job_;
  if (next_job_ < jobs.size()) {
    ctx.set_timer(jobs[next_job_].submit - ctx.now(), tag(static_cast<std::uint8_t>(TimerKind::kSubmit)));
  }
}

void GridNode::send(Context& ctx, PeerId to, const Message& m) const {
  std::array<std::byte, kMaxMessageSize> buffer{};
  ctx.send(to, encode(m, buffer));
}

void GridNode::ensure_tick(Context& ctx) {
  if (ticking_ || !has_work()) return;
  ticking_ = true;
  ctx.set_timer(params_->heartbeat, tag(static_cast<std::uint8_t>(TimerKind::kTick)));
}

void GridNode::on_timer(Context& ctx, std::uint64_t t, Host& host) {
  switch (static_cast<TimerKind>(local_of_tag(t))) {
    case TimerKind::kTick:
      ticking_ = false;
      client_tick(ctx, host);
      owner_tick(ctx, host);
      run_node_tick(ctx, host);
      ensure_tick(ctx);
      return;
    case TimerKind::kSubmit: submit_next(ctx, host); return;
    case TimerKind::kComplete: complete(ctx); return;
    case TimerKind::kRound:
      // The matchmaker never answered this round (it lost the request):
      // nothing found this round.
      if (const auto key = rounds_.expire(t)) {
        on_match_answer(ctx, {key->job, key->attempt, MatchVerdict::kNotNow, PeerId::none(), {}});
      }
      ensure_tick(ctx);
      return;
  }
}

void GridNode::on_message(Context& ctx, PeerId from, std::span<const std::byte> bytes, Host& host) {
  std::visit(
      [&](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Assign>) {
          on_assign(ctx, from, m);
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          on_heartbeat(ctx, from, m);
        } else if constexpr (std::is_same_v<T, HeartbeatAck>) {
          on_ack(ctx, from, m);
        } else if constexpr (std::is_same_v<T, Status>) {
          on_status(ctx, from, m);
        } else if constexpr (std::is_same_v<T, Result>) {
          on_result(ctx, from, m, host);
        } else if constexpr (std::is_same_v<T, Done>) {
          on_done(ctx, from, m);
        } else if constexpr (std::is_same_v<T, Failed>) {
          on_failed(ctx, from, m, host);
        } else if constexpr (std::is_same_v<T, Withdraw>) {
          on_withdraw(ctx, m);
        } else if constexpr (std::is_same_v<T, ResultAck>) {
          on_result_ack(m);
        } else if constexpr (std::is_same_v<T, UsageUpdate>) {
          on_usage_update(ctx, from, m);
        } else if constexpr (std::is_same_v<T, UsageReport>) {
          on_usage_report(ctx, m);
        } else {
          // Insert and Handoff only travel through the overlay.
          ctx.log("grid: routed-only message sent directly; ignored");
        }
      },
      decode(bytes));
  ensure_tick(ctx);
}

void GridNode::on_routed(Context& ctx, std::span<const std::byte> bytes, std::uint32_t hops, Host& host) {
  const Message m = decode(bytes);
  if (const auto* insert = std::get_if<Insert>(&m)) {
    on_insert(ctx, *insert, hops, host);
  } else if (const auto* handoff = std::get_if<Handoff>(&m)) {
    on_handoff(ctx, *handoff, hops);
  } else if (const auto* withdraw = std::get_if<Withdraw>(&m)) {
    on_withdraw(ctx, *withdraw);
  } else {
    ctx.log("grid: direct message arrived through the overlay; ignored");
  }
  ensure_tick(ctx);
}

// --- Client ------------------------------------------------------------------

GridNode::ClientJob GridNode::make_job(Context& ctx, const JobSpec& spec, std::uint32_t sequence) const {
  ClientJob job;
  job.profile.job = (std::uint64_t{self_.value} << 32U) | sequence;
  job.profile.client = self_;
  job.profile.requirements = spec.requirements;
  job.profile.input_bytes = spec.input_bytes;
  job.profile.run_time = spec.run_time;
  job.profile.submitted = ctx.now();
  job.profile.user = spec.user;
  return job;
}

void GridNode::submit_next(Context& ctx, Host& host) {
  const std::vector<JobSpec>& jobs = plan_->jobs;
  if (plan_->parents.of(next_job_).empty()) {
    client_.push_back(make_job(ctx, jobs[next_job_], next_job_));
    inject(ctx, client_.back(), host);
  } else {
    // A workflow job: submitted once the client holds its parents' results.
    waiting_.push_back(next_job_);
    release_waiting(ctx, host);
  }
  ++next_job_;
  if (next_job_ < jobs.size()) {
    ctx.set_timer(std::max(Duration{0}, jobs[next_job_].submit - ctx.now()),
                  tag(static_cast<std::uint8_t>(TimerKind::kSubmit)));
  }
  ensure_tick(ctx);
}

std::uint64_t GridNode::submit(Context& ctx, const JobSpec& spec, std::uint32_t sequence, Host& host) {
  client_.push_back(make_job(ctx, spec, sequence));
  inject(ctx, client_.back(), host);
  ensure_tick(ctx);
  return client_.back().profile.job;
}

void GridNode::inject(Context& ctx, ClientJob& job, Host& host) {
  // This peer is the client's injection peer: it names the attempt with a
  // GUID and routes the profile to the GUID's owner (paper §2, steps 1-2).
  job.profile.guid = guid_of(job.profile.job, job.profile.attempt, params_->salt);
  job.last_heard = ctx.now();
  job.pending_since = ctx.now();
  job.last_state = JobState::kPending;
  ctx.trace().record(SubmissionRecord{job.profile.job, job.profile.guid, ctx.now().ns, self_.value, job.profile.attempt});
  std::array<std::byte, kMaxMessageSize> buffer{};
  host.route_to_owner(ctx, job.profile, encode(Insert{job.profile}, buffer));
}

GridNode::ClientJob* GridNode::client_job(std::uint64_t job) {
  return client_.find(job);
}

void GridNode::client_tick(Context& ctx, Host& host) {
  for (std::size_t i = 0; i < client_.size();) {
    ClientJob& job = client_[i];
    if (job.done) {
      if (ctx.now() - job.finished >= params_->record_delay) {
        write_record(ctx, job, JobStatus::kCompleted, JobFailure::kNone);
        client_.erase_at(i);
        continue;
      }
    } else {
      // Resubmit when nobody has said anything for too long (owner and run
      // node may both have died before recovery completed, paper §2), or
      // when the owner keeps saying "pending" past its own deadline (it
      // should have given up with a verdict: the client backs it up).
      const bool silent = ctx.now() - job.last_heard > params_->client_timeout;
      const bool stuck = job.last_state == JobState::kPending &&
                         ctx.now() - job.pending_since > params_->match_deadline + params_->client_timeout;
      if (silent || stuck) {
        if (job.profile.attempt + 1 >= params_->max_attempts) {
          write_record(ctx, job, JobStatus::kFailed, JobFailure::kClientGaveUp);
          const std::uint64_t id = job.profile.job;
          client_.erase_at(i);
          // May submit children (appended to client_ and visited by this
          // loop, harmlessly: they are new) or fail them.
          settle(ctx, id, false, host);
          continue;
        }
        ++job.profile.attempt;
        inject(ctx, job, host);
      }
    }
    ++i;
  }
}

void GridNode::on_status(Context& ctx, PeerId from, const Status& m) {
  ClientJob* job = client_job(m.job);
  if (job == nullptr || job->done) {
    // The job's fate is known here (a result accepted, or its row written),
    // yet an owner still tends a copy: one that outlived its owner's
    // tombstone and was adopted again through a Handoff, say. The client is
    // the one peer that always knows; stop it.
    send(ctx, from, Withdraw{m.job, m.attempt});
    return;
  }
  // News from any attempt's owner shows the job is alive somewhere.
  job->last_heard = ctx.now();
  job->owner = from;
  job->run_node = m.run_node;
  job->recoveries_seen = std::max(job->recoveries_seen, m.recoveries);
  if (m.attempt != job->profile.attempt) return;  // only the current attempt says where the job stands
  if (m.state == JobState::kPending && job->last_state != JobState::kPending) job->pending_since = ctx.now();
  job->last_state = m.state;
}

void GridNode::on_result(Context& ctx, PeerId from, const Result& m, Host& host) {
  send(ctx, from, ResultAck{m.job, m.attempt});  // whatever it is, its sender may stop repeating it
  ClientJob* job = client_job(m.job);
  if (job == nullptr) return;  // a late copy after the row was written
  if (job->done && m.result_guid == job->result_guid) return;  // a repeat of the accepted result
  if (job->done) {
    ++job->duplicates;  // a second execution after a false suspicion or lost messages
    // Tell that copy's owner to stop it and refuse others.
    if (m.owner.valid()) send(ctx, m.owner, Withdraw{m.job, m.attempt});
    return;
  }
  job->done = true;
  job->finished = ctx.now();
  job->result_guid = m.result_guid;
  job->history = m.history;
  job->run_node = from;
  job->owner = m.owner;
  // The accepted attempt's owner hears of it from its run node (Done).
  // Owners of the other attempts may still hold copies: withdraw them,
  // through the overlay to each attempt's GUID.
  JobProfile other = job->profile;
  for (std::uint32_t a = 0; a <= job->profile.attempt; ++a) {
    if (a == m.attempt) continue;
    other.attempt = a;
    other.guid = guid_of(other.job, a, params_->salt);
    std::array<std::byte, kMaxMessageSize> buffer{};
    host.route_to_owner(ctx, other, encode(Withdraw{other.job, a}, buffer));
  }
  settle(ctx, m.job, true, host);
}

void GridNode::on_failed(Context& ctx, PeerId /*from*/, const Failed& m, Host& host) {
  ClientJob* job = client_job(m.job);
  // An older attempt's verdict does not end a newer attempt that may still succeed.
  if (job == nullptr || job->done || m.attempt != job->profile.attempt) return;
  const JobFailure reason =
      m.reason == OwnerVerdict::kUnmatchable ? JobFailure::kUnmatchable : JobFailure::kMatchDeadline;
  job->history.match_hops = m.match_hops;
  job->history.match_messages = m.match_messages;
  write_record(ctx, *job, JobStatus::kFailed, reason);
  client_.erase_if([&](const ClientJob& j) { return j.profile.job == m.job; });
  settle(ctx, m.job, false, host);
}

void GridNode::write_record(Context& ctx, const ClientJob& job, JobStatus status, JobFailure reason) const {
  JobRecord r{};
  r.job = job.profile.job;
  r.guid = job.profile.guid;
  r.client = self_.value;
  r.owner = job.owner.value;
  r.run_node = status == JobStatus::kCompleted ? job.run_node.value : PeerId::none().value;
  r.status = static_cast<std::uint32_t>(status);
  r.reason = static_cast<std::uint32_t>(reason);
  // The accepted run's copy of the history may not know of a recovery the
  // owner made (a false suspicion): take the larger count.
  r.recoveries = std::max(job.history.recoveries, job.recoveries_seen);
  r.resubmissions = job.profile.attempt;
  r.duplicate_runs = job.duplicates;
  r.match_hops = job.history.match_hops;
  r.match_messages = job.history.match_messages;
  r.submit_ns = job.profile.submitted.ns;
  r.matched_ns = status == JobStatus::kCompleted ? job.history.matched.ns : -1;
  r.started_ns = status == JobStatus::kCompleted ? job.history.started.ns : -1;
  r.finished_ns = job.finished.ns;
  r.ended_ns = status == JobStatus::kCompleted ? job.finished.ns : ctx.now().ns;
  r.min_cpu = job.profile.requirements[0];
  r.min_memory = job.profile.requirements[1];
  r.min_disk = job.profile.requirements[2];
  r.run_time_ns = job.profile.run_time.ns;
  r.input_bytes = job.profile.input_bytes;
  r.user = job.profile.user;
  const auto index = static_cast<std::uint32_t>(job.profile.job & 0xffffffffU);
  const std::span<const std::uint32_t> parents =
      plan_ != nullptr ? plan_->parents.of(index) : std::span<const std::uint32_t>{};
  r.parents = static_cast<std::uint32_t>(parents.size());
  ctx.trace().record(r);
  const std::uint64_t client_bits = job.profile.job & ~std::uint64_t{0xffffffffU};
  for (const std::uint32_t p : parents) ctx.trace().record(DependencyRecord{job.profile.job, client_bits | p});
}

void GridNode::settle(Context& ctx, std::uint64_t job, bool ok, Host& host) {
  if (settled_.empty()) return;  // no workflows at this client
  settled_[job & 0xffffffffU] = ok ? Settled::kCompleted : Settled::kFailed;
  release_waiting(ctx, host);
}

void GridNode::release_waiting(Context& ctx, Host& host) {
  // One pass submits every job whose parents all completed. Failing a job
  // settles it, which may doom jobs earlier in the list: pass again then.
  for (bool failed_one = true; failed_one;) {
    failed_one = false;
    for (std::size_t i = 0; i < waiting_.size();) {
      const std::uint32_t index = waiting_[i];
      bool ready = true;
      bool doomed = false;
      for (const std::uint32_t p : plan_->parents.of(index)) {
        ready = ready && settled_[p] == Settled::kCompleted;
        doomed = doomed || settled_[p] == Settled::kFailed;
      }
      if (!ready && !doomed) {
        ++i;
        continue;
      }
      waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
      ClientJob job = make_job(ctx, plan_->jobs[index], index);
      if (doomed) {
        write_record(ctx, job, JobStatus::kFailed, JobFailure::kParentFailed);
        settled_[index] = Settled::kFailed;
        failed_one = true;
      } else {
        client_.push_back(job);
        inject(ctx, client_.back(), host);
      }
    }
  }
  ensure_tick(ctx);
}

std::uint64_t GridNode::open_jobs() const {
  // From the plan itself: a client that has not started yet owes all its jobs.
  const ClientPlan* plan = params_->plan ? params_->plan->of(self_) : nullptr;
  const std::size_t unsubmitted = plan == nullptr ? 0 : plan->jobs.size() - next_job_;
  // A job whose result arrived is final; its row waits only for record_delay.
  const auto undecided = std::count_if(client_.begin(), client_.end(), [](const ClientJob& j) { return !j.done; });
  // Workflow jobs waiting for their parents' results are open too.
  return unsubmitted + waiting_.size() + static_cast<std::uint64_t>(undecided);
}

void GridNode::on_finish(Context& ctx, bool alive) {
  if (!alive) return;
  for (const ClientJob& job : client_) {
    if (job.done) {
      write_record(ctx, job, JobStatus::kCompleted, JobFailure::kNone);
    } else {
      write_record(ctx, job, JobStatus::kOpenAtEnd, JobFailure::kRunEnded);
    }
  }
  // Workflow jobs still waiting for a parent: due, so they have a row, but
  // never injected (no submissions row).
  for (const std::uint32_t index : waiting_) {
    write_record(ctx, make_job(ctx, plan_->jobs[index], index), JobStatus::kOpenAtEnd, JobFailure::kRunEnded);
  }
  if (!has_work()) return;
  ctx.trace().record(HeldRecord{self_.value, static_cast<std::uint32_t>(client_.size() + waiting_.size()),
                                static_cast<std::uint32_t>(owned_.size()), static_cast<std::uint32_t>(queue_.size()),
                                static_cast<std::uint32_t>(finished_.size())});
}

// --- Owner -------------------------------------------------------------------

GridNode::OwnedJob* GridNode::owned_job(std::uint64_t job, std::uint32_t attempt) {
  return owned_.find({job, attempt});
}

std::uint64_t GridNode::heap_bytes() const {
  return capacity_bytes(settled_) + capacity_bytes(waiting_) + (fair_ ? fair_->heap_bytes() : 0) +
         (global_usage_ ? global_usage_->heap_bytes() : 0) +
         client_.heap_bytes() + owned_.heap_bytes() + rounds_.heap_bytes() + capacity_bytes(queue_) +
         capacity_bytes(finished_);
}

std::size_t GridNode::owned() const {
  return static_cast<std::size_t>(std::count_if(owned_.begin(), owned_.end(), [](const OwnedJob& j) {
    return j.state != OwnerState::kFailed && j.state != OwnerState::kFinished;
  }));
}

void GridNode::on_insert(Context& ctx, const Insert& m, std::uint32_t hops, Host& host) {
  // A duplicate insert, or one for an attempt already finished or withdrawn here.
  if (owned_job(m.profile.job, m.profile.attempt) != nullptr) return;
  OwnedJob job;
  job.profile = m.profile;
  job.history.match_hops = hops;  // reaching the owner is part of placing the job
  job.history.match_messages = hops;
  job.last_heard = ctx.now();
  job.match_since = ctx.now();
  owned_.push_back(job);
  send(ctx, m.profile.client, Status{m.profile.job, m.profile.attempt, JobState::kPending, PeerId::none(), 0});
  start_round(ctx, owned_.back(), host);
}

void GridNode::start_round(Context& ctx, OwnedJob& job, Host& host) {
  job.state = OwnerState::kMatching;
  const MatchRequest request{job.profile, job.round++};
  rounds_.add(ctx, RoundKey{job.profile.job, job.profile.attempt}, params_->round_timeout);
  // A matchmaker that decides at once has its answer applied before
  // match() returns, changing `job`: read nothing of it after this.
  host.match(ctx, request);
}

void GridNode::on_match_answer(Context& ctx, const MatchAnswer& a) {
  OwnedJob* job = owned_job(a.job, a.attempt);
  if (job == nullptr || job->state != OwnerState::kMatching) return;  // finished, adopted or timed out meanwhile
  cancel_round(ctx, *job);
  job->history.match_hops += a.cost.hops;
  job->history.match_messages += a.cost.messages;
  if (a.verdict == MatchVerdict::kMatched) {
    job->history.match_messages += 1;  // the Assign
    job->history.matched = ctx.now();
    job->run_node = a.node;
    job->state = OwnerState::kAssigned;
    job->last_heard = ctx.now();
    send(ctx, a.node, Assign{job->profile, job->history});
    return;
  }
  if (ctx.now() - job->match_since >= params_->match_deadline) {
    // The owner's deadline: a final verdict for the client, repeated a few
    // times against loss. "Unmatchable" only if the matchmaker said so last.
    job->verdict = a.verdict == MatchVerdict::kUnmatchable ? OwnerVerdict::kUnmatchable : OwnerVerdict::kMatchDeadline;
    job->repeats = params_->missed_heartbeats;
    end_owned(ctx, *job, OwnerState::kFailed);
    send(ctx, job->profile.client, failed_of(*job));
    --job->repeats;
    return;
  }
  job->state = OwnerState::kWaiting;
  job->retry_at = ctx.now() + params_->match_retry;
}

void GridNode::cancel_round(Context& ctx, const OwnedJob& job) {
  const std::uint64_t id = job.profile.job;
  const std::uint32_t attempt = job.profile.attempt;
  rounds_.withdraw_if(ctx, [&](const RoundKey& k) { return k.job == id && k.attempt == attempt; });
}

void GridNode::end_owned(Context& ctx, OwnedJob& job, OwnerState state) {
  cancel_round(ctx, job);
  job.state = state;
  job.ended = ctx.now();
}

void GridNode::on_heartbeat(Context& ctx, PeerId from, const Heartbeat& m) {
  OwnedJob* job = owned_job(m.job, m.attempt);
  if (job == nullptr) return;  // not ours (any more): silence makes the run node hand off
  if (job->state == OwnerState::kFinished || job->state == OwnerState::kFailed ||
      (job->state == OwnerState::kAssigned && job->run_node != from)) {
    // Finished, withdrawn, or given to another node meanwhile: drop this copy.
    send(ctx, from, HeartbeatAck{m.job, m.attempt, false});
    return;
  }
  // A suspected run node that speaks again gets its job back rather than
  // a second execution.
  if (job->state == OwnerState::kMatching) cancel_round(ctx, *job);
  job->state = OwnerState::kAssigned;
  job->run_node = from;
  job->last_heard = ctx.now();
  if (m.state == JobState::kRunning) job->history.started = m.started;
  send(ctx, from, HeartbeatAck{m.job, m.attempt, true});
  send(ctx, job->profile.client, Status{m.job, m.attempt, m.state, from, job->history.recoveries});
}

void GridNode::on_done(Context& ctx, PeerId from, const Done& m) {
  send(ctx, from, HeartbeatAck{m.job, m.attempt, false});  // the acknowledgement the run node repeats Done for
  OwnedJob* job = owned_job(m.job, m.attempt);
  if (job == nullptr) {
    // Adopted by nobody yet (or forgotten): remember it so nothing restarts it.
    OwnedJob tomb;
    tomb.profile.job = m.job;
    tomb.profile.attempt = m.attempt;
    owned_.push_back(tomb);
    job = &owned_.back();
  }
  if (job->state != OwnerState::kFinished) end_owned(ctx, *job, OwnerState::kFinished);
}

void GridNode::on_withdraw(Context& ctx, const Withdraw& m) {
  OwnedJob* job = owned_job(m.job, m.attempt);
  if (job == nullptr) {
    // The attempt's insert may still be on its way: refuse it when it comes.
    OwnedJob tomb;
    tomb.profile.job = m.job;
    tomb.profile.attempt = m.attempt;
    owned_.push_back(tomb);
    end_owned(ctx, owned_.back(), OwnerState::kFinished);
    return;
  }
  if (job->state == OwnerState::kFinished) return;
  if (job->state == OwnerState::kAssigned && job->run_node.valid()) {
    send(ctx, job->run_node, HeartbeatAck{m.job, m.attempt, false});
  }
  end_owned(ctx, *job, OwnerState::kFinished);
}

void GridNode::on_handoff(Context& ctx, const Handoff& m, std::uint32_t hops) {
  // The run node lost its owner and routed the profile to the GUID's owner,
  // which is now this peer (paper §2: the owner is rebuilt from the copy
  // the run node holds).
  OwnedJob* job = owned_job(m.profile.job, m.profile.attempt);
  if (job != nullptr && (job->state == OwnerState::kFinished || job->state == OwnerState::kFailed)) {
    send(ctx, m.run_node, HeartbeatAck{m.profile.job, m.profile.attempt, false});
    return;
  }
  if (job == nullptr) {
    OwnedJob adopted;
    adopted.profile = m.profile;
    adopted.history = m.history;  // the run node counted the recovery
    adopted.history.match_messages += hops;
    owned_.push_back(adopted);
    job = &owned_.back();
  }
  if (job->state == OwnerState::kMatching) cancel_round(ctx, *job);
  job->state = OwnerState::kAssigned;
  job->run_node = m.run_node;
  job->last_heard = ctx.now();
  send(ctx, m.run_node, HeartbeatAck{m.profile.job, m.profile.attempt, true});
  send(ctx, m.profile.client, Status{m.profile.job, m.profile.attempt, m.state, m.run_node, job->history.recoveries});
}

void GridNode::owner_tick(Context& ctx, Host& host) {
  // Nothing called from this loop erases from owned_ (expired entries go after it).
  for (std::size_t i = 0; i < owned_.size(); ++i) {
    OwnedJob& job = owned_[i];
    switch (job.state) {
      case OwnerState::kAssigned:
        if (ctx.now() - job.last_heard > silence_limit()) rematch(ctx, job, host);
        break;
      case OwnerState::kWaiting:
        send(ctx, job.profile.client,
             Status{job.profile.job, job.profile.attempt, JobState::kPending, PeerId::none(), job.history.recoveries});
        if (ctx.now() >= job.retry_at) start_round(ctx, job, host);
        break;
      case OwnerState::kMatching:
        send(ctx, job.profile.client,
             Status{job.profile.job, job.profile.attempt, JobState::kPending, PeerId::none(), job.history.recoveries});
        break;
      case OwnerState::kFailed:
        if (job.repeats > 0) {
          --job.repeats;
          send(ctx, job.profile.client, failed_of(job));
        }
        break;
      case OwnerState::kFinished: break;
    }
  }
  owned_.erase_if([&](const OwnedJob& j) {
    return (j.state == OwnerState::kFailed || j.state == OwnerState::kFinished) &&
           ctx.now() - j.ended >= params_->forget_after;
  });
}

void GridNode::rematch(Context& ctx, OwnedJob& job, Host& host) {
  // Heartbeats stopped: the run node is presumed dead; a new matching
  // episode, with its own deadline.
  ++job.history.recoveries;
  ctx.trace().record(RecoveryRecord{job.profile.job, ctx.now().ns, job.last_heard.ns, self_.value, job.run_node.value,
                                    job.profile.attempt, job.history.started.ns >= 0 ? 1U : 0U});
  job.run_node = PeerId::none();
  job.match_since = ctx.now();
  job.round = 0;
  start_round(ctx, job, host);
}

// --- Run node ----------------------------------------------------------------

Duration GridNode::run_time_here(const JobProfile& p) const {
  return run_time_on(*params_, capabilities_[0], p.run_time);
}

Duration GridNode::queued_work(Time now) const {
  Duration total{0};
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    Duration d = run_time_here(queue_[i].profile);
    if (i == 0 && running_) d = std::max(Duration{0}, queue_[0].history.started + d - now);
    total += d;
  }
  return total;
}

void GridNode::on_assign(Context& ctx, PeerId from, const Assign& m) {
  const bool known = std::any_of(queue_.begin(), queue_.end(), [&](const QueuedJob& q) {
                       return q.profile.job == m.profile.job && q.profile.attempt == m.profile.attempt;
                     }) || std::any_of(finished_.begin(), finished_.end(), [&](const FinishedJob& f) {
                       return f.result.job == m.profile.job && f.result.attempt == m.profile.attempt;
                     });
  if (known) return;  // a duplicate Assign, or one for a job this node already ran
  queue_.push_back(QueuedJob{m.profile, m.history, ctx.now(), from});
  start_next(ctx);
  if (params_->queue_policy == QueuePolicy::kFairGlobal && queue_.size() > 1) {
    // It waits: the next pick needs its user's global usage, unless a job of
    // that user already waits here (then it is being asked for already).
    const std::uint32_t user = m.profile.user;
    const auto same = std::count_if(queue_.begin() + 1, queue_.end(),
                                    [user](const QueuedJob& q) { return q.profile.user == user; });
    if (same == 1) send_usage(ctx, user, Duration{0}, std::span<const std::uint32_t>(&user, 1));
  }
}

void GridNode::start_next(Context& ctx) {
  if (running_ || queue_.empty()) return;
  if (fair_) {
    if (queue_.size() > 1) {
      std::vector<std::uint32_t> users;
      users.reserve(queue_.size());
      for (const QueuedJob& q : queue_) users.push_back(q.profile.user);
      // The chosen job moves to the front; the others keep their order.
      const auto chosen =
          queue_.begin() + static_cast<std::ptrdiff_t>(fair_->pick(users, ctx.now(), params_->user_weights));
      std::rotate(queue_.begin(), chosen, chosen + 1);
    }
    const std::uint32_t user = queue_.front().profile.user;
    const Duration work = run_time_here(queue_.front().profile);
    // fair_global: the node counts its own start at once; the server's
    // answer (which includes it) overwrites the figure when it comes.
    fair_->charge(user, work, ctx.now());
    if (params_->queue_policy == QueuePolicy::kFairGlobal) {
      running_ = true;  // so waiting_users() leaves this job out
      send_usage(ctx, user, work, waiting_users());
    }
  }
  running_ = true;
  queue_.front().history.started = ctx.now();
  const Duration run_time = run_time_here(queue_.front().profile);
  const std::uint64_t done = tag(static_cast<std::uint8_t>(TimerKind::kComplete));
  complete_timer_ = params_->executor ? params_->executor->start(ctx, queue_.front().profile, run_time, done)
                                      : ctx.set_timer(run_time, done);
}

void GridNode::complete(Context& ctx) {
  if (!running_ || queue_.empty()) return;
  const QueuedJob& job = queue_.front();
  Result result{};
  result.job = job.profile.job;
  result.attempt = job.profile.attempt;
  result.owner = job.owner;
  result.result_guid = hash_combine(job.profile.guid, self_.value);
  result.finished = ctx.now();
  result.history = job.history;
  send(ctx, job.profile.client, result);
  if (job.owner.valid()) send(ctx, job.owner, Done{job.profile.job, job.profile.attempt});
  // Both are repeated each tick until acknowledged, missed_heartbeats sends in all.
  const std::uint32_t repeats = params_->missed_heartbeats - 1;
  if (repeats > 0) finished_.push_back({result, job.profile.client, job.owner.valid() ? repeats : 0, repeats});
  queue_.erase(queue_.begin());
  running_ = false;
  start_next(ctx);
}

void GridNode::on_result_ack(const ResultAck& m) {
  for (FinishedJob& f : finished_) {
    if (f.result.job == m.job && f.result.attempt == m.attempt) f.result_repeats = 0;
  }
  std::erase_if(finished_, [](const FinishedJob& f) { return f.done_repeats == 0 && f.result_repeats == 0; });
}

void GridNode::on_ack(Context& ctx, PeerId from, const HeartbeatAck& m) {
  for (FinishedJob& f : finished_) {
    if (f.result.job == m.job && f.result.attempt == m.attempt) f.done_repeats = 0;
  }
  std::erase_if(finished_, [](const FinishedJob& f) { return f.done_repeats == 0 && f.result_repeats == 0; });
  const auto it = std::find_if(queue_.begin(), queue_.end(), [&](const QueuedJob& q) {
    return q.profile.job == m.job && q.profile.attempt == m.attempt;
  });
  if (it == queue_.end()) return;
  if (m.keep) {
    it->last_ack = ctx.now();
    it->owner = from;
    return;
  }
  const bool was_running = running_ && it == queue_.begin();
  queue_.erase(it);
  if (was_running) {
    if (params_->executor) {
      params_->executor->stop(ctx, complete_timer_);
    } else {
      ctx.cancel(complete_timer_);
    }
    running_ = false;
    start_next(ctx);
  }
}

void GridNode::run_node_tick(Context& ctx, Host& host) {
  for (FinishedJob& f : finished_) {
    if (f.done_repeats > 0) {
      --f.done_repeats;
      send(ctx, f.result.owner, Done{f.result.job, f.result.attempt});
    }
    if (f.result_repeats > 0) {
      --f.result_repeats;
      send(ctx, f.client, f.result);
    }
  }
  std::erase_if(finished_, [](const FinishedJob& f) { return f.done_repeats == 0 && f.result_repeats == 0; });
  if (params_->queue_policy == QueuePolicy::kFairGlobal) {
    // Refresh the global usage of the users waiting here once a period,
    // when there is a choice to make between them.
    const std::vector<std::uint32_t> users = waiting_users();
    if (users.size() > 1) send_usage(ctx, 0, Duration{0}, users);
  }
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    QueuedJob& job = queue_[i];
    const bool running = running_ && i == 0;
    const JobState state = running ? JobState::kRunning : JobState::kQueued;
    if (ctx.now() - job.last_ack > silence_limit()) {
      // The owner stopped acknowledging: presume it dead and hand the
      // profile to whoever owns the GUID now (paper §2).
      job.owner = PeerId::none();
      job.last_ack = ctx.now();
      ++job.history.recoveries;
      std::array<std::byte, kMaxMessageSize> buffer{};
      host.route_to_owner(ctx, job.profile, encode(Handoff{job.profile, job.history, state, self_}, buffer));
      continue;
    }
    if (job.owner.valid()) send(ctx, job.owner, Heartbeat{job.profile.job, job.profile.attempt, state, job.history.started});
  }
}

std::vector<std::uint32_t> GridNode::waiting_users() const {
  std::vector<std::uint32_t> users;
  for (std::size_t i = running_ ? 1 : 0; i < queue_.size(); ++i) {
    const std::uint32_t u = queue_[i].profile.user;
    if (std::find(users.begin(), users.end(), u) == users.end()) users.push_back(u);
  }
  return users;
}

// --- fair_global: the central server's accounts --------------------------------

void GridNode::send_usage(Context& ctx, std::uint32_t charged_user, Duration work,
                          std::span<const std::uint32_t> users) {
  std::size_t next = 0;
  do {
    UsageUpdate m;
    m.charged_user = charged_user;
    m.charged_work = work;
    while (next < users.size() && m.count < kUsageUsers) m.users[m.count++] = users[next++];
    if (m.charged_work.ns > 0 || m.count > 0) {
      // The server's own run node needs no message.
      if (self_ == params_->usage_server) {
        on_usage_update(ctx, self_, m);
      } else {
        send(ctx, params_->usage_server, m);
      }
    }
    work = Duration{0};  // charged once, with the first part
  } while (next < users.size());
}

void GridNode::on_usage_update(Context& ctx, PeerId from, const UsageUpdate& m) {
  if (!global_usage_) return;  // not the server (or not fair_global): nobody asked this peer
  if (m.charged_work.ns > 0) global_usage_->charge(m.charged_user, m.charged_work, ctx.now());
  if (m.count == 0) return;
  UsageReport report;
  for (std::uint8_t i = 0; i < m.count; ++i) {
    const double usage_s = global_usage_->usage(m.users[i], ctx.now());
    report.entries[report.count++] = UsageEntry{m.users[i], Duration{std::llround(usage_s * 1e9)}};
  }
  if (from == self_) {
    on_usage_report(ctx, report);
  } else {
    send(ctx, from, report);
  }
}

void GridNode::on_usage_report(Context& ctx, const UsageReport& m) {
  if (!fair_) return;
  for (std::uint8_t i = 0; i < m.count; ++i) {
    fair_->set(m.entries[i].user, static_cast<double>(m.entries[i].usage.ns) * 1e-9, ctx.now());
  }
}

// --- Trace -------------------------------------------------------------------

namespace {
constexpr std::array kSubmissionFields{
    FieldDesc{"job", FieldType::kU64, offsetof(SubmissionRecord, job), "", "client << 32 | sequence number"},
    FieldDesc{"guid", FieldType::kU64, offsetof(SubmissionRecord, guid), "", "GUID of this attempt"},
    FieldDesc{"time", FieldType::kI64, offsetof(SubmissionRecord, time_ns), "ns", "when the client submitted it"},
    FieldDesc{"client", FieldType::kU32, offsetof(SubmissionRecord, client), "", "submitting peer"},
    FieldDesc{"attempt", FieldType::kU32, offsetof(SubmissionRecord, attempt), "", "0 first, then resubmissions"},
};
}  // namespace

namespace {
constexpr std::array kRecoveryFields{
    FieldDesc{"job", FieldType::kU64, offsetof(RecoveryRecord, job), "", "client << 32 | sequence number"},
    FieldDesc{"detected", FieldType::kI64, offsetof(RecoveryRecord, detected_ns), "ns",
              "the owner presumed the run node dead and began matching again"},
    FieldDesc{"last_heard", FieldType::kI64, offsetof(RecoveryRecord, last_heard_ns), "ns",
              "last heartbeat of that run node for this job"},
    FieldDesc{"owner", FieldType::kU32, offsetof(RecoveryRecord, owner), "", "the owner"},
    FieldDesc{"run_node", FieldType::kU32, offsetof(RecoveryRecord, run_node), "", "the node presumed dead", {},
              kNoPeer},
    FieldDesc{"attempt", FieldType::kU32, offsetof(RecoveryRecord, attempt), "", "the job's attempt"},
    FieldDesc{"started", FieldType::kU32, offsetof(RecoveryRecord, started), "",
              "1 if the job had started on that node, 0 if it was queued there"},
};
}  // namespace

const TableDesc RecoveryRecord::kTable{"grid_recoveries", sizeof(RecoveryRecord), kRecoveryFields,
                                       "One row per run node an owner presumed dead while it held a job.", 1};
static_assert(sizeof(RecoveryRecord) == 40);

namespace {
constexpr std::array kHeldFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(HeldRecord, peer), "", "the peer"},
    FieldDesc{"client_jobs", FieldType::kU32, offsetof(HeldRecord, client_jobs), "",
              "its client's jobs without a final row yet (open, or completed within record_delay)"},
    FieldDesc{"owned_jobs", FieldType::kU32, offsetof(HeldRecord, owned_jobs), "",
              "jobs it owns, including finished ones remembered for forget_after"},
    FieldDesc{"queued_jobs", FieldType::kU32, offsetof(HeldRecord, queued_jobs), "", "jobs queued or running here"},
    FieldDesc{"finished_unacked", FieldType::kU32, offsetof(HeldRecord, finished_unacked), "",
              "finished jobs whose Done or Result is not yet acknowledged"},
};
}  // namespace

const TableDesc HeldRecord::kTable{"grid_held", sizeof(HeldRecord), kHeldFields,
                                   "One row per live peer still holding job state when the run ended.", 1};
static_assert(sizeof(HeldRecord) == 20);

const TableDesc SubmissionRecord::kTable{"submissions", sizeof(SubmissionRecord), kSubmissionFields,
                                         "One row per submission attempt of a job.", 1};
static_assert(sizeof(SubmissionRecord) == 32);

}  // namespace p2pgrid::grid
