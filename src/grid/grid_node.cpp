#include "p2pgrid/grid/grid_node.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

#include "p2pgrid/api/protocol.hpp"
#include "p2pgrid/grid/job_record.hpp"

namespace p2pgrid::grid {
namespace {

std::uint64_t tag(std::uint8_t kind) { return timer_tag(ProtocolId::kGrid, kind); }

template <class Vec, class Pred>
auto* find_in(Vec& v, Pred pred) {
  const auto it = std::find_if(v.begin(), v.end(), pred);
  return it == v.end() ? nullptr : &*it;
}

}  // namespace

GridNode::GridNode(PeerId self, const Params& params) : params_(&params), self_(self) {}

void GridNode::on_start(Context& ctx) {
  if (params_->capabilities_of) capabilities_ = params_->capabilities_of(self_);
  plan_ = params_->plan ? params_->plan->jobs_of(self_) : nullptr;
  if (plan_ == nullptr) return;
  // A client that comes back after a crash does not submit what it planned
  // while it was down: those jobs were never submitted.
  while (next_job_ < plan_->size() && (*plan_)[next_job_].submit < ctx.now()) ++next_job_;
  if (next_job_ < plan_->size()) {
    ctx.set_timer((*plan_)[next_job_].submit - ctx.now(), tag(static_cast<std::uint8_t>(TimerKind::kSubmit)));
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
          on_result(ctx, from, m);
        } else if constexpr (std::is_same_v<T, Done>) {
          on_done(m);
        } else {
          // Insert and Handoff only travel through the overlay.
          ctx.log("grid: routed-only message sent directly; ignored");
        }
      },
      decode(bytes));
  ensure_tick(ctx);
  static_cast<void>(host);
}

void GridNode::on_routed(Context& ctx, std::span<const std::byte> bytes, std::uint32_t hops, Host& host) {
  const Message m = decode(bytes);
  if (const auto* insert = std::get_if<Insert>(&m)) {
    on_insert(ctx, *insert, hops, host);
  } else if (const auto* handoff = std::get_if<Handoff>(&m)) {
    on_handoff(ctx, *handoff, hops);
  } else {
    ctx.log("grid: direct message arrived through the overlay; ignored");
  }
  ensure_tick(ctx);
}

// --- Client ------------------------------------------------------------------

void GridNode::submit_next(Context& ctx, Host& host) {
  const JobSpec& spec = (*plan_)[next_job_];
  ClientJob job;
  job.profile.job = (std::uint64_t{self_.value} << 32U) | next_job_;
  job.profile.client = self_;
  job.profile.requirements = spec.requirements;
  job.profile.input_bytes = spec.input_bytes;
  job.profile.run_time = spec.run_time;
  job.profile.submitted = ctx.now();
  client_.push_back(job);
  inject(ctx, client_.back(), host);
  ++next_job_;
  if (next_job_ < plan_->size()) {
    ctx.set_timer(std::max(Duration{0}, (*plan_)[next_job_].submit - ctx.now()),
                  tag(static_cast<std::uint8_t>(TimerKind::kSubmit)));
  }
  ensure_tick(ctx);
}

void GridNode::inject(Context& ctx, ClientJob& job, Host& host) {
  // This peer is the client's injection peer: it names the attempt with a
  // GUID and routes the profile to the GUID's owner (paper §2, steps 1-2).
  job.profile.guid = guid_of(job.profile.job, job.profile.attempt, params_->salt);
  job.last_heard = ctx.now();
  ctx.trace().record(SubmissionRecord{job.profile.job, job.profile.guid, ctx.now().ns, self_.value, job.profile.attempt});
  std::array<std::byte, kMaxMessageSize> buffer{};
  host.route_to_owner(ctx, job.profile, encode(Insert{job.profile}, buffer));
}

GridNode::ClientJob* GridNode::client_job(std::uint64_t job) {
  return find_in(client_, [job](const ClientJob& j) { return j.profile.job == job; });
}

void GridNode::client_tick(Context& ctx, Host& host) {
  for (std::size_t i = 0; i < client_.size();) {
    ClientJob& job = client_[i];
    if (job.done) {
      if (ctx.now() - job.finished >= params_->record_delay) {
        write_record(ctx, job, JobStatus::kCompleted, JobFailure::kNone);
        client_.erase(client_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
    } else if (ctx.now() - job.last_heard > params_->client_timeout) {
      // Neither owner nor run node has said anything for too long: both may
      // have died before recovery completed (paper §2). Submit again.
      if (job.profile.attempt + 1 >= params_->max_attempts) {
        write_record(ctx, job, JobStatus::kFailed, JobFailure::kRetriesExhausted);
        client_.erase(client_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      ++job.profile.attempt;
      inject(ctx, job, host);
    }
    ++i;
  }
}

void GridNode::on_status(Context& ctx, PeerId from, const Status& m) {
  ClientJob* job = client_job(m.job);
  if (job == nullptr || job->done) return;
  // News from any attempt's owner shows the job is alive somewhere.
  job->last_heard = ctx.now();
  job->owner = from;
  job->run_node = m.run_node;
  job->recoveries_seen = std::max(job->recoveries_seen, m.recoveries);
}

void GridNode::on_result(Context& ctx, PeerId from, const Result& m) {
  ClientJob* job = client_job(m.job);
  if (job == nullptr) return;  // a late duplicate after the row was written
  if (job->done) {
    ++job->duplicates;  // a second execution after a false suspicion
    return;
  }
  job->done = true;
  job->finished = ctx.now();
  job->history = m.history;
  job->run_node = from;
  job->owner = m.owner;
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
  r.min_cpu = job.profile.requirements[0];
  r.min_memory = job.profile.requirements[1];
  r.min_disk = job.profile.requirements[2];
  r.run_time_ns = job.profile.run_time.ns;
  r.input_bytes = job.profile.input_bytes;
  ctx.trace().record(r);
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
}

// --- Owner -------------------------------------------------------------------

GridNode::OwnedJob* GridNode::owned_job(std::uint64_t job, std::uint32_t attempt) {
  return find_in(owned_, [&](const OwnedJob& j) { return j.profile.job == job && j.profile.attempt == attempt; });
}

void GridNode::on_insert(Context& ctx, const Insert& m, std::uint32_t hops, Host& host) {
  if (owned_job(m.profile.job, m.profile.attempt) != nullptr) return;  // a duplicate insert
  OwnedJob job;
  job.profile = m.profile;
  job.history.match_hops = hops;  // reaching the owner is part of placing the job
  job.history.match_messages = hops;
  job.last_heard = ctx.now();
  job.state = OwnerState::kMatching;
  owned_.push_back(job);
  send(ctx, m.profile.client, Status{m.profile.job, m.profile.attempt, JobState::kPending, PeerId::none(), 0});
  host.match(ctx, m.profile);  // may answer at once through matched()
}

void GridNode::matched(Context& ctx, std::uint64_t id, std::uint32_t attempt, PeerId node, MatchCost cost) {
  OwnedJob* job = owned_job(id, attempt);
  if (job == nullptr || job->state != OwnerState::kMatching) return;  // finished or adopted meanwhile
  job->history.match_hops += cost.hops;
  job->history.match_messages += cost.messages + 1;  // + the Assign
  job->history.matched = ctx.now();
  job->run_node = node;
  job->state = OwnerState::kAssigned;
  job->last_heard = ctx.now();
  send(ctx, node, Assign{job->profile, job->history});
}

void GridNode::unmatched(Context& ctx, std::uint64_t id, std::uint32_t attempt, MatchCost cost) {
  OwnedJob* job = owned_job(id, attempt);
  if (job == nullptr || job->state != OwnerState::kMatching) return;
  job->history.match_hops += cost.hops;
  job->history.match_messages += cost.messages;
  job->state = OwnerState::kWaiting;
  job->retry_at = ctx.now() + params_->match_retry;
}

void GridNode::on_heartbeat(Context& ctx, PeerId from, const Heartbeat& m) {
  OwnedJob* job = owned_job(m.job, m.attempt);
  if (job == nullptr) return;  // not ours (any more): silence makes the run node hand off
  if (job->state == OwnerState::kAssigned && job->run_node != from) {
    send(ctx, from, HeartbeatAck{m.job, m.attempt, false});  // another node has it now
    return;
  }
  // A suspected run node that speaks again gets its job back rather than
  // a second execution.
  job->state = OwnerState::kAssigned;
  job->run_node = from;
  job->last_heard = ctx.now();
  if (m.state == JobState::kRunning) job->history.started = m.started;
  send(ctx, from, HeartbeatAck{m.job, m.attempt, true});
  send(ctx, job->profile.client, Status{m.job, m.attempt, m.state, from, job->history.recoveries});
}

void GridNode::on_done(const Done& m) {
  std::erase_if(owned_, [&](const OwnedJob& j) { return j.profile.job == m.job && j.profile.attempt == m.attempt; });
}

void GridNode::on_handoff(Context& ctx, const Handoff& m, std::uint32_t hops) {
  // The run node lost its owner and routed the profile to the GUID's owner,
  // which is now this peer (paper §2: the owner is rebuilt from the copy
  // the run node holds).
  OwnedJob* job = owned_job(m.profile.job, m.profile.attempt);
  if (job == nullptr) {
    OwnedJob adopted;
    adopted.profile = m.profile;
    adopted.history = m.history;  // the run node counted the recovery
    adopted.history.match_messages += hops;
    owned_.push_back(adopted);
    job = &owned_.back();
  }
  job->state = OwnerState::kAssigned;
  job->run_node = m.run_node;
  job->last_heard = ctx.now();
  send(ctx, m.run_node, HeartbeatAck{m.profile.job, m.profile.attempt, true});
  send(ctx, m.profile.client, Status{m.profile.job, m.profile.attempt, m.state, m.run_node, job->history.recoveries});
}

void GridNode::owner_tick(Context& ctx, Host& host) {
  for (std::size_t i = 0; i < owned_.size(); ++i) {
    OwnedJob& job = owned_[i];
    switch (job.state) {
      case OwnerState::kAssigned:
        if (ctx.now() - job.last_heard > silence_limit()) rematch(ctx, job, host);
        break;
      case OwnerState::kWaiting:
        send(ctx, job.profile.client,
             Status{job.profile.job, job.profile.attempt, JobState::kPending, PeerId::none(), job.history.recoveries});
        if (ctx.now() >= job.retry_at) {
          job.state = OwnerState::kMatching;
          const JobProfile profile = job.profile;  // matched() may run before match() returns
          host.match(ctx, profile);
        }
        break;
      case OwnerState::kMatching:
        send(ctx, job.profile.client,
             Status{job.profile.job, job.profile.attempt, JobState::kPending, PeerId::none(), job.history.recoveries});
        break;
    }
  }
}

void GridNode::rematch(Context& ctx, OwnedJob& job, Host& host) {
  // Heartbeats stopped: the run node is presumed dead; match again.
  ++job.history.recoveries;
  job.run_node = PeerId::none();
  job.state = OwnerState::kMatching;
  const JobProfile profile = job.profile;
  host.match(ctx, profile);
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
  });
  if (known) return;
  queue_.push_back(QueuedJob{m.profile, m.history, ctx.now(), from});
  start_next(ctx);
}

void GridNode::start_next(Context& ctx) {
  if (running_ || queue_.empty()) return;
  running_ = true;
  queue_.front().history.started = ctx.now();
  complete_timer_ =
      ctx.set_timer(run_time_here(queue_.front().profile), tag(static_cast<std::uint8_t>(TimerKind::kComplete)));
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
  queue_.erase(queue_.begin());
  running_ = false;
  start_next(ctx);
}

void GridNode::on_ack(Context& ctx, PeerId from, const HeartbeatAck& m) {
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
    ctx.cancel(complete_timer_);
    running_ = false;
    start_next(ctx);
  }
}

void GridNode::run_node_tick(Context& ctx, Host& host) {
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

const TableDesc SubmissionRecord::kTable{"submissions", sizeof(SubmissionRecord), kSubmissionFields,
                                         "One row per submission attempt of a job.", 1};
static_assert(sizeof(SubmissionRecord) == 32);

}  // namespace p2pgrid::grid
