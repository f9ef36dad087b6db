#include "p2pgrid/live/envelope.hpp"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace p2pgrid::live {
namespace {

constexpr std::array<std::byte, 4> kMagic{std::byte{'P'}, std::byte{'2'}, std::byte{'G'}, std::byte{'L'}};

template <class T>
T get(std::span<const std::byte> bytes, std::size_t at) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<T>(bytes[at + i]) << (8 * i));
  return v;
}

std::array<unsigned char, kMacSize> mac_of(const Secret& secret, std::span<const std::byte> bytes) {
  std::array<unsigned char, kMacSize> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.key.data(), static_cast<int>(secret.key.size()),
       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), mac.data(), &length);
  return mac;
}

}  // namespace

Secret Secret::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read the grid's secret");
  Secret s;
  s.key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  // A trailing newline from `echo` or an editor is not part of the secret.
  while (!s.key.empty() && (s.key.back() == '\n' || s.key.back() == '\r')) s.key.pop_back();
  if (s.key.size() < 16) {
    throw std::runtime_error(path + ": the secret has " + std::to_string(s.key.size()) +
                             " bytes; at least 16 are needed (e.g. head -c 32 /dev/urandom | base64 > FILE)");
  }
  return s;
}

void seal(const Secret& secret, const Header& h, std::span<const std::byte> payload, std::vector<std::byte>& out) {
  // Sized once and written by offset (GCC 12 misreads inserts into an
  // empty vector as overflows).
  out.assign(kEnvelopeOverhead + payload.size(), std::byte{0});
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  std::size_t at = kMagic.size();
  const auto put_at = [&](auto v) {
    for (std::size_t i = 0; i < sizeof(v); ++i) out[at + i] = static_cast<std::byte>((v >> (8 * i)) & 0xFFU);
    at += sizeof(v);
  };
  put_at(kEnvelopeVersion);
  put_at(static_cast<std::uint8_t>(h.channel));
  put_at(h.sender.value);
  put_at(h.port);
  put_at(h.sequence);
  put_at(static_cast<std::uint64_t>(h.sent_ms));
  if (!payload.empty()) std::memcpy(out.data() + at, payload.data(), payload.size());
  at += payload.size();
  const auto mac = mac_of(secret, std::span<const std::byte>(out.data(), at));
  std::memcpy(out.data() + at, mac.data(), kMacSize);
}

std::optional<Opened> open(const Secret& secret, std::span<const std::byte> d, std::size_t max_size, Drop& drop) {
  if (d.size() > max_size) {
    drop = Drop::kOversized;
    return std::nullopt;
  }
  if (d.size() < kEnvelopeOverhead) {
    drop = Drop::kTruncated;
    return std::nullopt;
  }
  if (std::memcmp(d.data(), kMagic.data(), kMagic.size()) != 0) {
    drop = Drop::kBadMagic;
    return std::nullopt;
  }
  if (get<std::uint8_t>(d, 4) != kEnvelopeVersion) {
    drop = Drop::kBadVersion;
    return std::nullopt;
  }
  const std::size_t body = d.size() - kMacSize;
  const auto mac = mac_of(secret, d.first(body));
  if (CRYPTO_memcmp(mac.data(), d.data() + body, kMacSize) != 0) {
    drop = Drop::kBadMac;
    return std::nullopt;
  }
  Opened o;
  o.header.channel = static_cast<Channel>(get<std::uint8_t>(d, 5));
  o.header.sender = PeerId{get<std::uint32_t>(d, 6)};
  o.header.port = get<std::uint16_t>(d, 10);
  o.header.sequence = get<std::uint64_t>(d, 12);
  o.header.sent_ms = static_cast<std::int64_t>(get<std::uint64_t>(d, 20));
  o.payload = d.subspan(kHeaderSize, body - kHeaderSize);
  return o;
}

bool ReplayWindow::accept(std::uint64_t sequence) {
  if (sequence > highest_) {
    const std::uint64_t shift = sequence - highest_;
    seen_ = shift >= 64 ? 0 : seen_ << shift;
    seen_ |= 1U;
    highest_ = sequence;
    return true;
  }
  const std::uint64_t age = highest_ - sequence;
  if (age >= 64) return false;
  const std::uint64_t bit = std::uint64_t{1} << age;
  if ((seen_ & bit) != 0) return false;
  seen_ |= bit;
  return true;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::uint64_t first_sequence() {
  // Microseconds since the epoch: a restarted sender continues above
  // everything it sent before, unless it sent more than a million
  // datagrams a second or the clock went back.
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::optional<PeerId> parse_ipv4(std::string_view text) {
  in_addr addr{};
  const std::string s(text);
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return std::nullopt;
  const PeerId p{ntohl(addr.s_addr)};
  if (!p.valid() || p.value == 0) return std::nullopt;
  return p;
}

std::string format_ipv4(PeerId peer) {
  if (!peer.valid()) return "none";
  in_addr addr{};
  addr.s_addr = htonl(peer.value);
  std::array<char, INET_ADDRSTRLEN> buf{};
  inet_ntop(AF_INET, &addr, buf.data(), buf.size());
  return buf.data();
}

}  // namespace p2pgrid::live
