#pragma once
/// Random streams. Each (seed, peer, purpose) names an independent stream, so
/// a peer draws the same numbers whichever rank hosts it and whatever other
/// peers do. 8 bytes of state: a million peers cost 8 MB per stream.

#include <cmath>
#include <cstdint>
#include <limits>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/fields.hpp"
#include "p2pgrid/core/ids.hpp"

namespace p2pgrid {

__extension__ using Uint128 = unsigned __int128;  // GCC/Clang; Lemire's method needs the high word

/// Named purposes keep streams apart (a protocol's jitter never shifts its
/// workload draws).
enum class Purpose : std::uint32_t {
  kProtocol = 1,
  kWorkload = 2,
  kNetwork = 3,
  kFaults = 4,
  kPlacement = 5,
  kCapabilities = 6,
  kChurn = 7,
};

/// SplitMix64 (Steele, Lea, Flood 2014): passes BigCrush, one add and a mix
/// per draw. Satisfies UniformRandomBitGenerator.
class Rng {
 public:
  using result_type = std::uint64_t;

  explicit constexpr Rng(std::uint64_t state = 0) : state_(state) {}
  constexpr Rng(std::uint64_t seed, PeerId peer, Purpose purpose)
      : state_(hash_combine(hash_combine(mix64(seed), peer.value), static_cast<std::uint64_t>(purpose))) {}

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

  constexpr result_type operator()() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform01() { return static_cast<double>((*this)() >> 11U) * 0x1.0p-53; }

  /// Uniform integer in [0, n) without modulo bias (Lemire 2019). n > 0.
  std::uint64_t below(std::uint64_t n) {
    Uint128 m = static_cast<Uint128>((*this)()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<Uint128>((*this)()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64U);
  }

  /// Exponential with the given mean (inverse transform; never returns inf).
  double exponential(double mean) { return -mean * std::log1p(-uniform01()); }

  /// Bernoulli trial with probability p.
  bool chance(double p) { return uniform01() < p; }

  [[nodiscard]] constexpr std::uint64_t state() const { return state_; }

 private:
  std::uint64_t state_;
};

/// A random stream in a checkpointed state: its 8 bytes of state.
template <>
struct FieldCodec<Rng> {
  static void write(Writer& w, const FieldContext& /*ctx*/, const Rng& rng) { w.u64(rng.state()); }
  static void read(Reader& r, const FieldContext& /*ctx*/, const char* field, Rng& rng) { rng = Rng(r.u64(field)); }
  static std::size_t size(const FieldContext& /*ctx*/) { return 8; }
};

}  // namespace p2pgrid
