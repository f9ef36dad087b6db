#include "p2pgrid/live/live_main.hpp"

#include <utility>  // before Boost 1.74's asio, whose awaitable.hpp needs std::exchange
#include <boost/asio.hpp>
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "p2pgrid/live/envelope.hpp"
#include "p2pgrid/live/node_config.hpp"
#include "p2pgrid/live/node_daemon.hpp"
#include "p2pgrid/live/wire.hpp"

namespace p2pgrid::live {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;

constexpr int kBadInput = 2;
constexpr int kFailed = 1;

void error_line(const std::string& m) { std::cerr << ("p2pgrid: error: " + m + "\n") << std::flush; }

/// Sends a request to a node and waits for its reply, resending on silence
/// (submits are answered from the node's cache, so a resend never
/// submits twice).
class Caller {
 public:
  Caller(const std::string& peer, const std::string& secret_file)
      : secret_(Secret::load(secret_file)), socket_(io_, udp::endpoint(udp::v4(), 0)), sequence_(first_sequence()) {
    const auto colon = peer.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--peer " + peer + ": expected HOST:PORT");
    udp::resolver resolver(io_);
    target_ = *resolver.resolve(udp::v4(), peer.substr(0, colon), peer.substr(colon + 1)).begin();
  }

  std::string call(const Request& r, std::uint64_t id, std::chrono::milliseconds patience) {
    std::vector<std::byte> out;
    const auto payload = encode(r);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    std::array<std::byte, 65536> buf{};
    while (std::chrono::steady_clock::now() < deadline) {
      seal(secret_, Header{Channel::kRequest, PeerId{0}, 0, sequence_++, unix_ms()}, payload, out);
      socket_.send_to(asio::buffer(out), target_);
      const auto wait_until = std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(300));
      while (std::chrono::steady_clock::now() < wait_until) {
        if (socket_.available() == 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          continue;
        }
        udp::endpoint from;
        const std::size_t n = socket_.receive_from(asio::buffer(buf), from);
        Drop drop{};
        const auto opened = open(secret_, std::span<const std::byte>(buf.data(), n), buf.size(), drop);
        if (!opened || opened->header.channel != Channel::kReply) continue;
        try {
          Reply reply = decode_reply(opened->payload);
          if (reply.request == id) return reply.json;
        } catch (const DecodeError&) {
        }
      }
    }
    throw std::runtime_error("no answer from " + target_.address().to_string() + ":" + std::to_string(target_.port()));
  }

 private:
  Secret secret_;
  asio::io_context io_;
  udp::socket socket_;
  udp::endpoint target_;
  std::uint64_t sequence_;
};

std::uint64_t new_id() { return std::random_device{}() * 0x100000000ULL + std::random_device{}(); }

bool json_has(const std::string& json, const std::string& fragment) { return json.find(fragment) != std::string::npos; }

std::string default_secret() {
  const char* env = std::getenv("P2PGRID_SECRET_FILE");
  return env != nullptr ? env : "";
}

}  // namespace

bool is_live_command(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string w = argv[1];
  return w == "node" || w == "submit" || w == "status" || w == "result" || w == "stats";
}

int live_main(int argc, char** argv) {
  const std::string command = argv[1];
  CLI::App app{"p2pgrid " + command, "p2pgrid " + command};
  std::string config;
  std::vector<std::string> overrides;
  std::string peer;
  std::string secret = default_secret();
  std::uint32_t cpu = 0;
  std::uint32_t memory = 0;
  std::uint32_t disk = 0;
  double time_limit = 0;
  std::vector<std::string> inputs;
  bool wait = false;
  double timeout = 600;
  std::string job_text;
  std::vector<std::string> program;
  if (command == "node") {
    app.add_option("config", config, "node config (TOML)")->required();
    app.add_option("--set", overrides, "override a config key (repeatable)");
  } else {
    app.add_option("--peer", peer, "a node of the grid, HOST:PORT")->required();
    app.add_option("--secret", secret, "the grid's secret file (default: $P2PGRID_SECRET_FILE)");
  }
  if (command == "submit") {
    app.add_option("--cpu", cpu, "minimum CPU speed, MHz (0: any)");
    app.add_option("--memory", memory, "memory the job needs and may use, MiB (0: the run node's default)");
    app.add_option("--disk", disk, "minimum disk, GiB (0: any)");
    app.add_option("--time", time_limit, "wall-clock limit, seconds (0: the run node's)");
    // One file per --input, so the `--` before the program is not taken as the end of a list.
    app.add_option("--input", inputs, "a file copied into the job's directory (repeatable)")->allow_extra_args(false);
    app.add_flag("--wait", wait, "wait for the result and print it");
    app.add_option("--timeout", timeout, "with --wait: give up after this many seconds");
    app.add_option("program", program, "-- PROGRAM ARGS...")->required();
  }
  if (command == "status" || command == "result") app.add_option("job", job_text, "the job's GUID")->required();
  if (command == "result") {
    app.add_flag("--wait", wait, "wait until the result is there");
    app.add_option("--timeout", timeout, "with --wait: give up after this many seconds");
  }
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    error_line(command + ": " + e.what() + " (p2pgrid " + command + " --help)");
    return kBadInput;
  }

  if (command == "node") {
    NodeSettings settings;
    try {
      settings = load_node_settings(config, overrides);
    } catch (const ConfigError& e) {
      error_line(e.what());
      return kBadInput;
    }
    try {
      return run_node(settings);
    } catch (const std::exception& e) {
      error_line(config + ": " + e.what());
      return kBadInput;
    }
  }

  if (secret.empty()) {
    error_line(command + ": --secret FILE (or P2PGRID_SECRET_FILE) is required");
    return kBadInput;
  }
  std::uint64_t job = 0;
  if (!job_text.empty()) {
    char* end = nullptr;
    job = std::strtoull(job_text.c_str(), &end, 16);
    if (end == job_text.c_str() || *end != '\0' || job_text.size() > 16) {
      error_line(command + ": '" + job_text + "' is not a job GUID (16 hex digits)");
      return kBadInput;
    }
  }
  try {
    Caller caller(peer, secret);
    const auto patience = std::chrono::seconds(5);
    if (command == "submit") {
      SubmitRequest r{};
      r.request = new_id();
      r.requirements = {cpu, memory, disk};
      r.payload.argv = program;
      r.payload.memory_mib = memory;
      r.payload.wall_ns = static_cast<std::int64_t>(time_limit * 1e9);
      for (const std::string& path : inputs) {
        std::ifstream in(path, std::ios::binary);
        if (!in) {
          error_line("submit: --input " + path + ": cannot read");
          return kBadInput;
        }
        InputFile f;
        f.name = std::filesystem::path(path).filename().string();
        f.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        r.payload.files.push_back(std::move(f));
      }
      if (encode(Request{r}).size() + kEnvelopeOverhead > kMaxDatagram) {
        error_line("submit: program, arguments and inputs exceed one message (" + std::to_string(kMaxDatagram) +
                   " bytes); put large inputs where the job can fetch them");
        return kBadInput;
      }
      const std::string reply = caller.call(Request{r}, r.request, patience);
      if (json_has(reply, "\"error\"")) {
        error_line("submit: " + reply);
        return kBadInput;
      }
      const auto at = reply.find("\"job\":\"");
      job_text = reply.substr(at + 7, 16);
      std::cout << job_text << "\n" << std::flush;
      if (!wait) return 0;
      job = std::strtoull(job_text.c_str(), nullptr, 16);
    }
    if (command == "stats") {
      std::cout << caller.call(Request{QueryRequest{1, Query::kStats, 0}}, 1, patience) << "\n";
      return 0;
    }
    if (command == "status") {
      const std::string reply = caller.call(Request{QueryRequest{2, Query::kStatus, job}}, 2, patience);
      std::cout << reply << "\n";
      return json_has(reply, "\"error\"") ? kFailed : 0;
    }
    // result (or submit --wait)
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
    for (std::uint64_t id = 3;; ++id) {
      const std::string reply = caller.call(Request{QueryRequest{id, Query::kResult, job}}, id, patience);
      const bool done = json_has(reply, "\"done\":true");
      if (done || json_has(reply, "\"error\"") || !wait || std::chrono::steady_clock::now() > deadline) {
        std::cout << reply << "\n";
        return done && json_has(reply, "\"state\":\"completed\"") ? 0 : kFailed;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } catch (const std::exception& e) {
    error_line(command + ": " + e.what());
    return kFailed;
  }
}

}  // namespace p2pgrid::live
