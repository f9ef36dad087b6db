#include "p2pgrid/live/node_daemon.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <utility>  // before Boost 1.74's asio, whose awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <unordered_map>

#include "p2pgrid/grid/job_record.hpp"
#include "p2pgrid/grid/messages.hpp"
#include "p2pgrid/live/envelope.hpp"
#include "p2pgrid/live/sandbox.hpp"
#include "p2pgrid/live/wire.hpp"
#include "p2pgrid/peer/stacks.hpp"

namespace p2pgrid::live {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using udp = asio::ip::udp;
using Clock = std::chrono::steady_clock;

constexpr auto kPoll = std::chrono::milliseconds(20);
constexpr auto kHousekeeping = std::chrono::milliseconds(250);
constexpr auto kSpecRetry = std::chrono::milliseconds(500);
constexpr std::size_t kMaxListedFiles = 64;

std::string hex(std::uint64_t v) {
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(v));
  return buf.data();
}

std::int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_head(const fs::path& file, std::size_t limit, std::uint64_t& size) {
  std::error_code ec;
  size = fs::file_size(file, ec);
  if (ec) size = 0;
  std::ifstream in(file, std::ios::binary);
  std::string out(std::min<std::uint64_t>(size, limit), '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, in.gcount())));
  return out;
}

/// The machine's own resources, which a config may lower but not raise.
grid::Resources machine_resources(const fs::path& state_dir) {
  grid::Resources r{};
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  double mhz = 0;
  while (std::getline(cpu, line)) {
    if (line.starts_with("cpu MHz")) mhz = std::max(mhz, std::strtod(line.substr(line.find(':') + 1).c_str(), nullptr));
  }
  r[0] = mhz > 0 ? static_cast<std::uint32_t>(mhz) : 1000;
  std::ifstream mem("/proc/meminfo");
  while (std::getline(mem, line)) {
    if (line.starts_with("MemTotal:")) {
      r[1] = static_cast<std::uint32_t>(std::strtoull(line.substr(9).c_str(), nullptr, 10) / 1024);
    }
  }
  struct statvfs fsinfo {};
  if (statvfs(state_dir.c_str(), &fsinfo) == 0) {
    r[2] = static_cast<std::uint32_t>((static_cast<std::uint64_t>(fsinfo.f_blocks) * fsinfo.f_frsize) >> 30U);
  }
  return r;
}

std::uint32_t capped(std::uint32_t configured, std::uint32_t machine) {
  return configured == 0 ? machine : std::min(configured, machine);
}

class Daemon;

/// The Context of the node's one peer, in real time.
class LiveContext final : public Context {
 public:
  explicit LiveContext(Daemon& d, PeerId self, std::uint64_t seed) : d_(d), self_(self), rng_(seed, self, Purpose::kProtocol) {}
  [[nodiscard]] Time now() const override { return Time{unix_ns()}; }
  [[nodiscard]] PeerId self() const override { return self_; }
  void send(PeerId to, std::span<const std::byte> bytes) override;
  TimerId set_timer(Duration delay, std::uint64_t tag) override;
  void cancel(TimerId timer) override;
  Rng& rng() override { return rng_; }
  TraceSink& trace() override;
  void log(std::string_view message) override;
  [[nodiscard]] std::uint32_t slot() const override { return 0; }

 private:
  Daemon& d_;
  PeerId self_;
  Rng rng_;
};

/// Hands the job rows the client writes to the daemon: the grid's own
/// verdict on a job (the accepted result, or the failure) is what the user
/// gets, exactly once.
class JobRows final : public TraceSink {
 public:
  explicit JobRows(Daemon& d) : d_(d) {}
  void append(const TableDesc& table, const void* row) override;
  [[nodiscard]] bool enabled(const TableDesc& table) const override { return &table == &JobRecord::kTable; }

 private:
  Daemon& d_;
};

class LiveExecutor final : public grid::Executor {
 public:
  explicit LiveExecutor(Daemon& d) : d_(d) {}
  TimerId start(Context& ctx, const grid::JobProfile& job, Duration run_time, std::uint64_t tag) override;
  void stop(Context& ctx, TimerId running) override;

 private:
  Daemon& d_;
};

/// A job submitted through this node: what its user gets back.
struct ClientJob {
  JobPayload payload;
  grid::Resources requirements{};
  std::int64_t submitted_ns = 0;
  std::string state = "pending";
  std::uint32_t attempt = 0;
  PeerId run_node;
  PeerId owner;
  std::optional<JobRecord> row;
  std::map<std::uint32_t, Outcome> outcomes;  ///< by run node
  std::optional<Outcome> delivered;
  std::uint32_t deliveries = 0;
  std::uint32_t outcomes_discarded = 0;
  Clock::time_point last_fetch{};
  Clock::time_point delivered_at{};
};
/// The job this node runs (one at a time, as the job layer starts them).
struct Running {
  grid::JobProfile profile;
  TimerId timer;
  std::uint64_t tag = 0;
  std::optional<JobPayload> payload;
  Clock::time_point asked{};
  Clock::time_point since = Clock::now();
  std::unique_ptr<SandboxedJob> process;
  fs::path dir;
  std::int64_t started_ns = 0;
};
/// An authenticated sender's replay window.
struct Sender {
  ReplayWindow window;
  Clock::time_point last;
};
/// A source address's token bucket (node.rate_limit, node.rate_burst).
struct Bucket {
  double tokens = 0;
  Clock::time_point last;
};

class Daemon {
 public:
  explicit Daemon(const NodeSettings& s);
  int run();

  // LiveContext
  void send_protocol(PeerId to, std::span<const std::byte> bytes) { send(Channel::kProtocol, to, port_, bytes); }
  TimerId set_timer(Duration delay, std::uint64_t tag);
  void cancel(TimerId id);
  TraceSink& rows() { return rows_; }
  void log(std::string_view m) const {
    if (s_.verbose) std::cerr << ("p2pgrid node " + format_ipv4(self_) + ": " + std::string(m) + "\n");
  }
  // JobRows
  void on_job_row(const JobRecord& row);
  // LiveExecutor
  TimerId start_job(const grid::JobProfile& job, std::uint64_t tag);
  void stop_job(TimerId id);

 private:
  void start_peer();
  void receive();
  void on_datagram(std::span<const std::byte> d, const udp::endpoint& from);
  void on_protocol(PeerId from, std::span<const std::byte> bytes);
  void on_node(PeerId from, std::span<const std::byte> bytes);
  void on_request(std::span<const std::byte> bytes, const udp::endpoint& from);
  std::string submit(const SubmitRequest& r);
  std::string status_json(std::uint64_t job) const;
  /// `compact`: without the outputs by value (a reply that would not fit one datagram).
  std::string result_json(std::uint64_t job, bool compact = false) const;
  std::string stats_json() const;
  void send(Channel c, PeerId to, std::uint16_t port, std::span<const std::byte> payload);
  void send_to(Channel c, const udp::endpoint& to, std::span<const std::byte> payload);
  bool admit(const udp::endpoint& from);
  void arm_timer();
  void fire_due();
  void poll_job();
  void finish_job(Outcome outcome);
  void list_outputs(const fs::path& work, Outcome& o) const;
  void housekeeping();
  void try_deliver(std::uint64_t job);
  void take_outcome(const Outcome& o);
  template <class F>
  void guarded(const char* what, F&& f);

  NodeSettings s_;
  Secret secret_;
  PeerId self_;
  std::uint16_t port_;
  fs::path state_dir_;
  asio::io_context io_;
  udp::socket socket_;
  asio::steady_timer timer_;
  asio::steady_timer poll_timer_;
  asio::steady_timer housekeeping_timer_;
  asio::steady_timer start_timer_;
  bool probing_ = false;
  bool started_ = false;
  PeerId ring_member_;  ///< a seed that answered the first seed's probe as joined
  asio::signal_set signals_;
  std::array<std::byte, 65536> buffer_{};
  udp::endpoint from_;
  std::vector<std::byte> out_;

  peer::GridPeerParams<peer::ChordJobOwners, match::RnTree> params_;
  std::optional<peer::RnTreePeer> peer_;
  std::optional<LiveContext> ctx_;
  JobRows rows_{*this};

  std::map<std::pair<Clock::time_point, std::uint64_t>, std::uint64_t> timers_;  ///< (due, id) -> tag
  std::unordered_map<std::uint64_t, Clock::time_point> due_of_;
  std::uint64_t next_timer_ = 1;
  std::uint64_t sequence_;
  std::mt19937_64 random_{std::random_device{}()};

  std::unordered_map<std::uint64_t, Sender> senders_;  ///< by address << 16 | port
  std::unordered_map<std::uint32_t, Bucket> buckets_;  ///< by source address
  DropCounters drops_;
  std::uint64_t received_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t handled_ = 0;
  std::uint64_t jobs_run_ = 0;

  std::map<std::uint64_t, ClientJob> jobs_;
  std::map<std::uint64_t, std::pair<std::string, Clock::time_point>> replies_;  ///< submit request -> reply
  std::optional<Running> running_;
  std::map<std::uint64_t, std::pair<Outcome, Clock::time_point>> finished_;  ///< run here, by job
};

// --- Context glue --------------------------------------------------------------

Daemon* g_daemon = nullptr;

void LiveContext::send(PeerId to, std::span<const std::byte> bytes) { d_.send_protocol(to, bytes); }
TimerId LiveContext::set_timer(Duration delay, std::uint64_t tag) { return d_.set_timer(delay, tag); }
void LiveContext::cancel(TimerId timer) { d_.cancel(timer); }
TraceSink& LiveContext::trace() { return d_.rows(); }
void LiveContext::log(std::string_view message) { d_.log(message); }

void JobRows::append(const TableDesc& table, const void* row) {
  if (&table != &JobRecord::kTable) return;
  JobRecord r{};
  std::memcpy(&r, row, sizeof r);
  d_.on_job_row(r);
}

TimerId LiveExecutor::start(Context& /*ctx*/, const grid::JobProfile& job, Duration /*run_time*/, std::uint64_t tag) {
  return d_.start_job(job, tag);
}
void LiveExecutor::stop(Context& /*ctx*/, TimerId running) { d_.stop_job(running); }

// --- Daemon ----------------------------------------------------------------------

Daemon::Daemon(const NodeSettings& s)
    : s_(s),
      secret_(Secret::load(s.secret_file)),
      self_(*parse_ipv4(s.address)),
      port_(s.port),
      state_dir_(fs::absolute(s.state_dir)),
      socket_(io_),
      timer_(io_),
      poll_timer_(io_),
      housekeeping_timer_(io_),
      start_timer_(io_),
      signals_(io_, SIGINT, SIGTERM),
      sequence_(first_sequence()) {
  fs::create_directories(state_dir_ / "jobs");
  // Searchable, not listable: a job's uid walks to its own work directory
  // (bwrap mounts it), and sees nothing of this directory from inside.
  for (const fs::path& d : {state_dir_, state_dir_ / "jobs"}) {
    fs::permissions(d, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  }
  if (const auto problem = sandbox_problem()) throw std::runtime_error(*problem);
  socket_.open(udp::v4());
  socket_.bind(udp::endpoint(asio::ip::make_address_v4(s.address), s.port));

  params_.grid = s.grid;
  params_.grid.salt = 0x6c697665ULL;  // every node of a grid must agree on the GUID hash
  const grid::Resources machine = machine_resources(state_dir_);
  const grid::Resources mine{capped(s.cpu_mhz, machine[0]), capped(s.memory_mib, machine[1]),
                             capped(s.disk_gib, machine[2])};
  params_.grid.capabilities_of = [mine](PeerId) { return mine; };
  params_.grid.executor = std::make_shared<LiveExecutor>(*this);
  params_.overlay = s.chord;
  params_.overlay.peers = PeerId::none().value;  // every address but "none" is a valid peer
  params_.overlay.salt = 0x6c697665ULL;
  auto seeds = std::make_shared<std::vector<PeerId>>();
  std::size_t start = 0;
  while (start <= s.seeds.size()) {
    const std::size_t end = std::min(s.seeds.find(',', start), s.seeds.size());
    seeds->push_back(*parse_ipv4(s.seeds.substr(start, end - start)));
    start = end + 1;
  }
  params_.overlay.seeds = std::move(seeds);
  params_.match = s.rntree;
  ctx_.emplace(*this, self_, random_());
  peer_.emplace(self_, params_);
  std::cerr << ("p2pgrid node " + format_ipv4(self_) + ":" + std::to_string(port_) + ": up (cpu " +
                std::to_string(mine[0]) + " MHz, memory " + std::to_string(mine[1]) + " MiB, disk " +
                std::to_string(mine[2]) + " GiB)\n");
}

template <class F>
void Daemon::guarded(const char* what, F&& f) {
  // Whatever a peer sent, a handler that throws drops that one message.
  try {
    f();
  } catch (const DecodeError& e) {
    drops_.add(Drop::kUndecodable);
    log(std::string(what) + ": " + e.what());
  } catch (const std::exception& e) {
    drops_.add(Drop::kUndecodable);
    std::cerr << ("p2pgrid node " + format_ipv4(self_) + ": " + what + ": " + e.what() + "\n");
  }
}

int Daemon::run() {
  g_daemon = this;
  signals_.async_wait([this](const boost::system::error_code&, int) {
    // A graceful leave: the overlay hands over what it holds (its sends
    // are synchronous), then the node is gone, as after a crash.
    guarded("leave", [&] { peer_->on_leave(*ctx_); });
    io_.stop();
  });
  receive();
  housekeeping();
  const std::vector<PeerId>& seeds = *params_.overlay.seeds;
  if (seeds.size() > 1 && seeds.front() == self_) {
    // The first seed creates the ring, unless one is already there (it
    // restarts while the others run): it asks the other seeds first.
    for (const PeerId p : seeds) {
      if (p != self_) send(Channel::kNode, p, port_, encode(NodeMessage{RingProbe{}}));
    }
    probing_ = true;
    start_timer_.expires_after(std::chrono::nanoseconds(2 * s_.chord.rpc_timeout.ns));
    start_timer_.async_wait([this](const boost::system::error_code&) { start_peer(); });
  } else {
    start_peer();
  }
  io_.run();
  if (running_ && running_->process) running_->process->kill_now();
  std::cerr << ("p2pgrid node " + format_ipv4(self_) + ": stopped\n");
  return 0;
}

void Daemon::start_peer() {
  if (!probing_ && started_) return;
  probing_ = false;
  started_ = true;
  if (ring_member_.valid()) {
    // Join through the seeds, one that answered "joined" first in the list.
    auto seeds = std::make_shared<std::vector<PeerId>>(*params_.overlay.seeds);
    std::erase(*seeds, ring_member_);
    seeds->insert(seeds->begin(), ring_member_);
    params_.overlay.seeds = std::move(seeds);
    log("a ring exists (" + format_ipv4(ring_member_) + " is in it): joining it");
  }
  guarded("start", [&] { peer_->on_start(*ctx_); });
}

void Daemon::receive() {
  socket_.async_receive_from(asio::buffer(buffer_), from_, [this](const boost::system::error_code& ec, std::size_t n) {
    if (!ec) {
      ++received_;
      on_datagram(std::span<const std::byte>(buffer_.data(), n), from_);
    }
    receive();
  });
}

bool Daemon::admit(const udp::endpoint& from) {
  const std::uint32_t ip = from.address().to_v4().to_uint();
  Bucket& b = buckets_[ip];
  const auto now = Clock::now();
  if (b.last == Clock::time_point{}) b.tokens = s_.rate_burst;
  b.tokens = std::min(s_.rate_burst, b.tokens + std::chrono::duration<double>(now - b.last).count() * s_.rate_limit);
  b.last = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

void Daemon::on_datagram(std::span<const std::byte> d, const udp::endpoint& from) {
  if (!admit(from)) {
    drops_.add(Drop::kRateLimited);
    return;
  }
  Drop drop{};
  const auto opened = open(secret_, d, s_.max_message, drop);
  if (!opened) {
    drops_.add(drop);
    return;
  }
  const Header& h = opened->header;
  if (std::abs(unix_ms() - h.sent_ms) > s_.clock_skew.ns / 1'000'000) {
    drops_.add(Drop::kStale);
    return;
  }
  const std::uint32_t source = from.address().to_v4().to_uint();
  const bool peer_channel = h.channel == Channel::kProtocol || h.channel == Channel::kNode;
  if (peer_channel && (h.sender.value != source || h.port != port_)) {
    drops_.add(Drop::kSpoofed);
    return;
  }
  Sender& sender = senders_[(std::uint64_t{source} << 16U) | from.port()];
  if (!sender.window.accept(h.sequence)) {
    drops_.add(Drop::kReplayed);
    return;
  }
  sender.last = Clock::now();
  ++handled_;
  switch (h.channel) {
    case Channel::kProtocol: on_protocol(h.sender, opened->payload); return;
    case Channel::kNode: guarded("node message", [&] { on_node(h.sender, opened->payload); }); return;
    case Channel::kRequest: guarded("request", [&] { on_request(opened->payload, from); }); return;
    default: drops_.add(Drop::kUndecodable); return;
  }
}

void Daemon::on_protocol(PeerId from, std::span<const std::byte> bytes) {
  if (!started_) return;  // not up yet (the first seed probing): as if still down
  guarded("protocol message", [&] {
    if (!bytes.empty() && static_cast<ProtocolId>(bytes[0]) == ProtocolId::kGrid) {
      // What owners tell this node's client, read as it passes (the job
      // layer keeps it private): for `p2pgrid status`.
      const grid::Message m = grid::decode(bytes);
      if (const auto* st = std::get_if<grid::Status>(&m)) {
        if (auto it = jobs_.find(st->job); it != jobs_.end() && !it->second.row) {
          static constexpr std::array<const char*, 3> kStates{"pending", "queued", "running"};
          it->second.state = kStates.at(static_cast<std::size_t>(st->state));
          it->second.attempt = st->attempt;
          it->second.run_node = st->run_node;
          it->second.owner = from;
        }
      }
    }
    peer_->on_message(*ctx_, from, bytes);
  });
}

void Daemon::on_node(PeerId from, std::span<const std::byte> bytes) {
  const NodeMessage m = decode_node(bytes);
  if (const auto* req = std::get_if<SpecRequest>(&m)) {
    SpecReply reply{req->job, false, {}};
    if (const auto it = jobs_.find(req->job); it != jobs_.end() && !it->second.row) {
      reply.found = true;
      reply.payload = it->second.payload;
    }
    send(Channel::kNode, from, port_, encode(NodeMessage{reply}));
  } else if (const auto* spec = std::get_if<SpecReply>(&m)) {
    if (!running_ || running_->profile.job != spec->job || running_->payload) return;
    if (!spec->found) {
      Outcome o;
      o.reason = "spec_unavailable";
      finish_job(o);
      return;
    }
    running_->payload = spec->payload;
  } else if (const auto* report = std::get_if<OutcomeReport>(&m)) {
    take_outcome(report->outcome);
  } else if (std::holds_alternative<RingProbe>(m)) {
    send(Channel::kNode, from, port_, encode(NodeMessage{RingProbeReply{started_ && peer_->overlay().joined()}}));
  } else if (const auto* probe = std::get_if<RingProbeReply>(&m)) {
    if (probing_ && probe->joined && !ring_member_.valid()) {
      ring_member_ = from;
      start_timer_.cancel();  // no need to wait for the others
    }
  } else if (const auto* ask = std::get_if<OutcomeRequest>(&m)) {
    if (const auto it = finished_.find(ask->job); it != finished_.end()) {
      send(Channel::kNode, from, port_, encode(NodeMessage{OutcomeReport{it->second.first}}));
    }
  }
}

void Daemon::on_request(std::span<const std::byte> bytes, const udp::endpoint& from) {
  const Request r = decode_request(bytes);
  Reply reply;
  if (const auto* sub = std::get_if<SubmitRequest>(&r)) {
    reply.request = sub->request;
    if (const auto it = replies_.find(sub->request); it != replies_.end()) {
      reply.json = it->second.first;  // a retry: the job was submitted once already
    } else {
      reply.json = submit(*sub);
      replies_[sub->request] = {reply.json, Clock::now()};
    }
  } else {
    const auto& q = std::get<QueryRequest>(r);
    reply.request = q.request;
    switch (q.query) {
      case Query::kStatus: reply.json = status_json(q.job); break;
      case Query::kResult:
        reply.json = result_json(q.job);
        // Escaped binary output can outgrow a datagram: then the pointer only.
        if (reply.json.size() + 64 + kEnvelopeOverhead > s_.max_message) reply.json = result_json(q.job, true);
        break;
      case Query::kStats: reply.json = stats_json(); break;
    }
  }
  send_to(Channel::kReply, from, encode(reply));
}

std::string Daemon::submit(const SubmitRequest& r) {
  const JobPayload& p = r.payload;
  if (p.argv.empty() || p.argv.front().empty()) return R"({"error":"no program given"})";
  std::uint64_t input_bytes = 0;
  for (const InputFile& f : p.files) {
    if (f.name.empty() || f.name == "." || f.name == ".." || f.name.find('/') != std::string::npos) {
      return "{\"error\":" + json_string("input file name '" + f.name + "' is not a plain file name") + "}";
    }
    input_bytes += f.data.size();
  }
  std::uint32_t sequence = 0;
  std::uint64_t job = 0;
  do {
    sequence = static_cast<std::uint32_t>(random_());
    job = (std::uint64_t{self_.value} << 32U) | sequence;
  } while (jobs_.contains(job));
  grid::JobSpec spec;
  spec.submit = ctx_->now();
  spec.requirements = r.requirements;
  spec.run_time = Duration{p.wall_ns > 0 ? p.wall_ns : s_.wall_time.ns};
  spec.input_bytes = input_bytes;
  ClientJob& cj = jobs_[job];
  cj.payload = p;
  cj.requirements = r.requirements;
  cj.submitted_ns = unix_ns();
  guarded("submit", [&] { peer_->submit(*ctx_, spec, sequence); });
  log("submitted " + hex(job) + " (" + p.argv.front() + ")");
  return "{\"job\":\"" + hex(job) + "\"}";
}

std::string Daemon::status_json(std::uint64_t job) const {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) {
    return "{\"error\":" + json_string("job " + hex(job) + " was not submitted through this node") + "}";
  }
  const ClientJob& j = it->second;
  std::string state = j.state;
  if (j.delivered) state = j.delivered->reason == "none" ? "completed" : "failed";
  else if (j.row) state = "fetching_result";
  std::ostringstream os;
  os << "{\"job\":\"" << hex(job) << "\",\"state\":\"" << state << "\",\"attempt\":" << j.attempt
     << ",\"run_node\":" << json_string(format_ipv4(j.run_node)) << ",\"owner\":" << json_string(format_ipv4(j.owner))
     << "}";
  return os.str();
}

std::string Daemon::result_json(std::uint64_t job, bool compact) const {
  const auto it = jobs_.find(job);
  if (it == jobs_.end()) {
    return "{\"error\":" + json_string("job " + hex(job) + " was not submitted through this node") + "}";
  }
  const ClientJob& j = it->second;
  std::ostringstream os;
  os << "{\"job\":\"" << hex(job) << "\",\"done\":" << (j.delivered ? "true" : "false");
  if (j.delivered) {
    Outcome o = *j.delivered;
    if (compact) {
      o.stdout_head.clear();
      o.stderr_head.clear();
      for (OutputFile& f : o.files) f.by_value = false;
      os << ",\"outputs_by_value\":false";
    }
    os << ",\"state\":\"" << (o.reason == "none" ? "completed" : "failed") << "\",\"reason\":" << json_string(o.reason)
       << ",\"exit_code\":" << o.exit_code << ",\"signal\":" << o.signal
       << ",\"run_node\":" << json_string(format_ipv4(o.run_node)) << ",\"stdout\":" << json_string(o.stdout_head)
       << ",\"stderr\":" << json_string(o.stderr_head) << ",\"stdout_size\":" << o.stdout_size
       << ",\"stderr_size\":" << o.stderr_size << ",\"pointer\":" << json_string(o.pointer)
       << ",\"files\":[";
    for (std::size_t i = 0; i < o.files.size(); ++i) {
      const OutputFile& f = o.files[i];
      os << (i == 0 ? "" : ",") << "{\"name\":" << json_string(f.name) << ",\"size\":" << f.size;
      if (f.by_value) os << ",\"data\":" << json_string(f.data);
      os << "}";
    }
    os << "]"
       << ",\"wall_s\":" << static_cast<double>(o.wall_ns) * 1e-9 << ",\"submitted_ns\":" << j.submitted_ns
       << ",\"started_ns\":" << o.started_ns << ",\"deliveries\":" << j.deliveries
       << ",\"outcomes_discarded\":" << j.outcomes_discarded;
    if (j.row) {
      os << ",\"attempts\":" << j.row->resubmissions + 1 << ",\"duplicate_runs\":" << j.row->duplicate_runs
         << ",\"recoveries\":" << j.row->recoveries << ",\"matched_ns\":" << j.row->matched_ns
         << ",\"protocol_started_ns\":" << j.row->started_ns;
    }
  }
  os << "}";
  return os.str();
}

std::string Daemon::stats_json() const {
  std::ostringstream os;
  os << "{\"node\":\"" << format_ipv4(self_) << ":" << port_ << "\",\"joined\":"
     << (peer_->overlay().joined() ? "true" : "false")
     << ",\"successor\":" << json_string(format_ipv4(peer_->overlay().successor()))
     << ",\"predecessor\":" << json_string(format_ipv4(peer_->overlay().predecessor())) << ",\"received\":" << received_ << ",\"handled\":" << handled_
     << ",\"sent\":" << sent_ << ",\"jobs_run\":" << jobs_run_ << ",\"queue_length\":" << peer_->grid().queue_length()
     << ",\"running\":" << (running_ ? "true" : "false") << ",\"drops\":{";
  for (std::size_t i = 0; i < kDropNames.size(); ++i) {
    os << (i == 0 ? "" : ",") << "\"" << kDropNames[i] << "\":" << drops_.counts[i];
  }
  os << "}}";
  return os.str();
}

void Daemon::send(Channel c, PeerId to, std::uint16_t port, std::span<const std::byte> payload) {
  if (!to.valid() || to.value == 0) return;
  send_to(c, udp::endpoint(asio::ip::address_v4(to.value), port), payload);
}

void Daemon::send_to(Channel c, const udp::endpoint& to, std::span<const std::byte> payload) {
  if (payload.size() + kEnvelopeOverhead > s_.max_message) {
    std::cerr << ("p2pgrid node " + format_ipv4(self_) + ": a " + std::to_string(payload.size()) +
                  "-byte message exceeds node.max_message; not sent\n");
    return;
  }
  seal(secret_, Header{c, self_, port_, sequence_++, unix_ms()}, payload, out_);
  boost::system::error_code ec;
  socket_.send_to(asio::buffer(out_), to, 0, ec);  // a full buffer or unreachable peer is a lost datagram
  if (!ec) ++sent_;
}

// --- Timers ------------------------------------------------------------------------

TimerId Daemon::set_timer(Duration delay, std::uint64_t tag) {
  const std::uint64_t id = next_timer_++;
  // Saturating: an executor's "until the program ends" is Duration::max().
  const auto limit = std::chrono::hours(24 * 365 * 100);
  const auto d = delay.ns >= std::chrono::duration_cast<std::chrono::nanoseconds>(limit).count()
                     ? std::chrono::nanoseconds(limit)
                     : std::chrono::nanoseconds(std::max<std::int64_t>(0, delay.ns));
  const auto due = Clock::now() + d;
  timers_[{due, id}] = tag;
  due_of_[id] = due;
  arm_timer();
  return TimerId{id};
}

void Daemon::cancel(TimerId id) {
  const auto it = due_of_.find(id.value);
  if (it == due_of_.end()) return;
  timers_.erase({it->second, id.value});
  due_of_.erase(it);
}

void Daemon::arm_timer() {
  if (timers_.empty()) return;
  const auto first = timers_.begin()->first.first;
  if (timer_.expiry() == first) return;
  timer_.expires_at(first);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec != asio::error::operation_aborted) fire_due();
  });
}

void Daemon::fire_due() {
  while (!timers_.empty() && timers_.begin()->first.first <= Clock::now()) {
    const std::uint64_t id = timers_.begin()->first.second;
    const std::uint64_t tag = timers_.begin()->second;
    timers_.erase(timers_.begin());
    due_of_.erase(id);
    guarded("timer", [&] { peer_->on_timer(*ctx_, tag); });
  }
  timer_.expires_at(Clock::time_point::max());
  arm_timer();
}

// --- Run node ------------------------------------------------------------------------

TimerId Daemon::start_job(const grid::JobProfile& job, std::uint64_t tag) {
  if (running_ && running_->process) running_->process->kill_now();
  running_.emplace();
  running_->profile = job;
  running_->tag = tag;
  running_->timer = set_timer(Duration::max(), tag);
  if (job.client == self_) {
    if (const auto it = jobs_.find(job.job); it != jobs_.end()) running_->payload = it->second.payload;
  }
  log("running " + hex(job.job) + " attempt " + std::to_string(job.attempt) + " for " + format_ipv4(job.client));
  poll_timer_.expires_after(std::chrono::milliseconds(0));
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) poll_job();
  });
  return running_->timer;
}

void Daemon::stop_job(TimerId id) {
  cancel(id);
  if (!running_ || running_->timer != id) return;
  log("dropped " + hex(running_->profile.job) + " (its owner placed it elsewhere)");
  running_.reset();  // kills the process
  poll_timer_.cancel();
}

void Daemon::poll_job() {
  if (!running_) return;
  Running& r = *running_;
  const auto now = Clock::now();
  if (!r.payload) {
    if (now - r.since > std::chrono::nanoseconds(s_.grid.client_timeout.ns)) {
      Outcome o;
      o.reason = "spec_unavailable";
      finish_job(o);
      return;
    }
    if (now - r.asked >= kSpecRetry) {
      r.asked = now;
      send(Channel::kNode, r.profile.client, port_, encode(NodeMessage{SpecRequest{r.profile.job}}));
    }
  } else if (!r.process) {
    r.dir = state_dir_ / "jobs" / (hex(r.profile.job) + "." + std::to_string(r.profile.attempt));
    std::error_code ec;
    fs::remove_all(r.dir, ec);
    SandboxLimits limits;
    const std::int64_t wall = r.payload->wall_ns > 0 ? std::min(r.payload->wall_ns, s_.wall_time.ns) : s_.wall_time.ns;
    limits.wall = std::chrono::nanoseconds(wall);
    limits.cpu = std::chrono::seconds(std::max<std::int64_t>(1, s_.cpu_time.ns / 1'000'000'000));
    limits.memory_bytes = std::uint64_t{r.payload->memory_mib > 0 ? r.payload->memory_mib : s_.job_memory_mib} << 20U;
    limits.file_size_bytes = std::uint64_t{s_.file_size_mib} << 20U;
    limits.processes = s_.processes;
    limits.uid = s_.uid;
    try {
      fs::create_directories(r.dir / "work");
      for (const InputFile& f : r.payload->files) {
        std::ofstream(r.dir / "work" / f.name, std::ios::binary).write(f.data.data(), static_cast<std::streamsize>(f.data.size()));
      }
      r.started_ns = unix_ns();
      r.process = std::make_unique<SandboxedJob>(r.dir, r.payload->argv, limits,
                                                 std::vector<fs::path>{fs::absolute(s_.secret_file), state_dir_});
      ++jobs_run_;
    } catch (const std::exception& e) {
      Outcome o;
      o.reason = "launch_failed";
      o.stderr_head = e.what();
      finish_job(o);
      return;
    }
  } else if (const auto result = r.process->poll()) {
    Outcome o;
    o.exit_code = result->exit_code;
    o.signal = result->signal;
    o.reason = result->reason;
    o.stdout_head = read_head(r.dir / "stdout", s_.output_by_value, o.stdout_size);
    o.stderr_head = read_head(r.dir / "stderr", s_.output_by_value, o.stderr_size);
    o.pointer = format_ipv4(self_) + ":" + std::to_string(port_) + ":" + r.dir.string();
    list_outputs(r.dir / "work", o);
    o.wall_ns = unix_ns() - r.started_ns;
    o.started_ns = r.started_ns;
    finish_job(o);
    return;
  }
  poll_timer_.expires_after(kPoll);
  poll_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) poll_job();
  });
}

void Daemon::list_outputs(const fs::path& work, Outcome& o) const {
  // Small files by value within one budget, the rest by name and size.
  std::uint64_t budget = s_.output_by_value;
  std::error_code ec;
  std::size_t listed = 0;
  for (const auto& entry : fs::directory_iterator(work, ec)) {
    if (++listed > kMaxListedFiles) break;
    if (!entry.is_regular_file(ec)) continue;
    OutputFile f;
    f.name = entry.path().filename().string();
    f.size = entry.file_size(ec);
    if (f.size <= budget) {
      std::uint64_t read = 0;
      f.data = read_head(entry.path(), static_cast<std::size_t>(f.size), read);
      f.by_value = f.data.size() == f.size;
      if (f.by_value) budget -= f.size;
      else f.data.clear();
    }
    o.files.push_back(std::move(f));
  }
}

void Daemon::finish_job(Outcome o) {
  Running r = std::move(*running_);
  running_.reset();
  o.job = r.profile.job;
  o.attempt = r.profile.attempt;
  o.run_node = self_;
  // The outcome must fit one datagram: what is by value shrinks until it does.
  while (encode(NodeMessage{OutcomeReport{o}}).size() + kEnvelopeOverhead > s_.max_message) {
    if (!o.files.empty()) {
      o.files.pop_back();
    } else if (!o.stdout_head.empty() || !o.stderr_head.empty()) {
      o.stdout_head.resize(o.stdout_head.size() / 2);
      o.stderr_head.resize(o.stderr_head.size() / 2);
    } else {
      o.pointer.clear();
      break;
    }
  }
  if (o.started_ns == 0) o.started_ns = r.started_ns;
  log("finished " + hex(o.job) + ": " + o.reason);
  finished_[o.job] = {o, Clock::now()};
  // The outcome goes first, so the client usually holds it when the
  // job layer's Result arrives; a lost one is fetched (OutcomeRequest).
  if (r.profile.client == self_) take_outcome(o);
  else send(Channel::kNode, r.profile.client, port_, encode(NodeMessage{OutcomeReport{o}}));
  // The completion "timer" fires now: the job layer sends Result and Done.
  cancel(r.timer);
  guarded("job completion", [&] { peer_->on_timer(*ctx_, r.tag); });
}

// --- Client --------------------------------------------------------------------------

void Daemon::take_outcome(const Outcome& o) {
  const auto it = jobs_.find(o.job);
  if (it == jobs_.end()) return;
  ClientJob& j = it->second;
  if (j.delivered) {
    if (o.run_node != j.delivered->run_node || o.attempt != j.delivered->attempt) ++j.outcomes_discarded;
    return;
  }
  j.outcomes[o.run_node.value] = o;
  try_deliver(o.job);
}

void Daemon::on_job_row(const JobRecord& row) {
  const auto it = jobs_.find(row.job);
  if (it == jobs_.end()) return;
  it->second.row = row;
  try_deliver(row.job);
}

void Daemon::try_deliver(std::uint64_t job) {
  ClientJob& j = jobs_.at(job);
  if (j.delivered || !j.row) return;
  const JobRecord& row = *j.row;
  if (row.status == static_cast<std::uint32_t>(JobStatus::kCompleted)) {
    const auto it = j.outcomes.find(row.run_node);
    if (it == j.outcomes.end()) {
      // The run node whose result the job layer accepted has not sent the
      // outcome yet (or it was lost): ask it, again at each housekeeping
      // tick after a heartbeat period.
      const auto now = Clock::now();
      if (now - j.last_fetch >= std::chrono::nanoseconds(s_.grid.heartbeat.ns)) {
        j.last_fetch = now;
        send(Channel::kNode, PeerId{row.run_node}, port_, encode(NodeMessage{OutcomeRequest{job}}));
      }
      return;
    }
    j.delivered = it->second;
    for (const auto& [node, o] : j.outcomes) {
      if (node != row.run_node) ++j.outcomes_discarded;
    }
  } else {
    Outcome o;
    o.job = job;
    static constexpr std::array<const char*, 5> kReasons{"none", "unmatchable", "client_gave_up", "run_ended",
                                                         "match_deadline"};
    o.reason = row.reason < kReasons.size() ? kReasons[row.reason] : "failed";
    j.delivered = o;
  }
  ++j.deliveries;
  j.delivered_at = Clock::now();
  j.outcomes.clear();
  log("result of " + hex(job) + " delivered: " + j.delivered->reason);
}

void Daemon::housekeeping() {
  const auto now = Clock::now();
  for (auto& [job, j] : jobs_) {
    if (!j.delivered && j.row) try_deliver(job);
  }
  const auto skew = std::chrono::nanoseconds(s_.clock_skew.ns);
  // A sender silent for longer than the clock skew can only send fresh
  // sequences (older ones are stale), so its window may go.
  std::erase_if(senders_, [&](const auto& e) { return now - e.second.last > 2 * skew; });
  std::erase_if(buckets_, [&](const auto& e) { return now - e.second.last > std::chrono::seconds(10); });
  std::erase_if(replies_, [&](const auto& e) { return now - e.second.second > 2 * skew; });
  const auto keep = std::chrono::nanoseconds(s_.keep_outputs.ns);
  // A delivered result stays queryable as long as a run node keeps outputs.
  std::erase_if(jobs_, [&](const auto& e) { return e.second.delivered && now - e.second.delivered_at > keep; });
  for (auto it = finished_.begin(); it != finished_.end();) {
    if (now - it->second.second > keep) {
      std::error_code ec;
      const std::string& p = it->second.first.pointer;
      if (const auto dir = p.find(":/"); dir != std::string::npos) fs::remove_all(p.substr(dir + 1), ec);
      it = finished_.erase(it);
    } else {
      ++it;
    }
  }
  housekeeping_timer_.expires_after(kHousekeeping);
  housekeeping_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) housekeeping();
  });
}

}  // namespace

int run_node(const NodeSettings& settings) {
  Daemon d(settings);
  return d.run();
}

}  // namespace p2pgrid::live
