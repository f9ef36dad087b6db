#pragma once
/// The wire format of a live grid: every UDP datagram is one envelope around
/// a payload (protocol bytes in the existing codec, or a live-layer message),
/// authenticated with HMAC-SHA-256 under the grid's shared secret.
///
///   offset  size  field
///        0     4  magic "P2GL"
///        4     1  envelope version (kEnvelopeVersion)
///        5     1  channel (Channel)
///        6     4  sender: its PeerId, which is its IPv4 address
///       10     2  sender's UDP port
///       12     8  sequence: per sender, strictly increasing (starts at the
///                 sender's start time in microseconds, +1 per datagram)
///       20     8  sent: the sender's wall clock, Unix milliseconds
///       28     n  payload
///     28+n    32  HMAC-SHA-256 of bytes [0, 28+n)
///
/// Integers are little-endian. A receiver drops (and counts, by reason) a
/// datagram that is too short or too long, has another magic or version, a
/// wrong MAC, a sequence it has seen or that fell out of its window, or a
/// sent time outside the accepted clock skew.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2pgrid/core/ids.hpp"

namespace p2pgrid::live {

inline constexpr std::uint8_t kEnvelopeVersion = 1;
inline constexpr std::size_t kHeaderSize = 28;
inline constexpr std::size_t kMacSize = 32;
inline constexpr std::size_t kEnvelopeOverhead = kHeaderSize + kMacSize;
/// The largest datagram anyone sends (UDP over IPv4 carries at most 65507).
inline constexpr std::size_t kMaxDatagram = 65000;

enum class Channel : std::uint8_t {
  kProtocol = 1,  ///< the peer stack's messages (overlay, grid, matchmaker)
  kNode = 2,      ///< live layer between daemons: job specs and outputs
  kRequest = 3,   ///< a command-line client -> a daemon
  kReply = 4,     ///< a daemon -> a command-line client
};

/// Why a datagram was dropped; every drop is counted under one of these.
enum class Drop : std::uint8_t {
  kTruncated,    ///< shorter than an empty envelope
  kOversized,    ///< longer than the node's max_message
  kBadMagic,     ///< not an envelope at all
  kBadVersion,   ///< another envelope version (a node of another release)
  kBadMac,       ///< forged, corrupted, or sealed under another secret
  kReplayed,     ///< a sequence already accepted, or older than the window
  kStale,        ///< sent time outside the accepted clock skew
  kSpoofed,      ///< the source address is not the sender it names
  kRateLimited,  ///< its source exceeded the per-source message rate
  kUndecodable,  ///< authentic, but its payload did not decode
  kCount
};
inline constexpr std::array<std::string_view, static_cast<std::size_t>(Drop::kCount)> kDropNames{
    "truncated", "oversized", "bad_magic", "bad_version", "bad_mac",
    "replayed",  "stale",     "spoofed",   "rate_limited", "undecodable"};

struct DropCounters {
  std::array<std::uint64_t, static_cast<std::size_t>(Drop::kCount)> counts{};
  void add(Drop d) { ++counts[static_cast<std::size_t>(d)]; }
  [[nodiscard]] std::uint64_t operator[](Drop d) const { return counts[static_cast<std::size_t>(d)]; }
};

/// The grid's shared secret: the bytes of a file (at least 16).
struct Secret {
  std::vector<unsigned char> key;
  /// Throws std::runtime_error naming the file and the reason.
  static Secret load(const std::string& path);
};

struct Header {
  Channel channel{};
  PeerId sender;
  std::uint16_t port = 0;
  std::uint64_t sequence = 0;
  std::int64_t sent_ms = 0;
};

/// Appends the sealed envelope of `payload` to `out` (cleared first).
void seal(const Secret& secret, const Header& header, std::span<const std::byte> payload, std::vector<std::byte>& out);

struct Opened {
  Header header;
  std::span<const std::byte> payload;  ///< a view into the datagram
};

/// Checks size, magic, version and MAC; the replay and skew checks are the
/// caller's (they need per-sender state). Sets `drop` when it returns none.
std::optional<Opened> open(const Secret& secret, std::span<const std::byte> datagram, std::size_t max_size,
                           Drop& drop);

/// Which sequences of one sender were accepted: the highest, and a bitmap of
/// the 64 below it (IPsec's anti-replay window), so a datagram reordered by
/// fewer than 64 is still accepted once.
class ReplayWindow {
 public:
  /// True (and remembered) if `sequence` was not accepted before and is not
  /// older than the window.
  bool accept(std::uint64_t sequence);

 private:
  std::uint64_t highest_ = 0;
  std::uint64_t seen_ = 0;  ///< bit i: highest_ - i was accepted
};

/// The Unix time in milliseconds, and a sender's first sequence number.
std::int64_t unix_ms();
std::uint64_t first_sequence();

/// 127.0.0.1 <-> PeerId{0x7f000001}: a live peer's id is its IPv4 address.
std::optional<PeerId> parse_ipv4(std::string_view text);
std::string format_ipv4(PeerId peer);

}  // namespace p2pgrid::live
