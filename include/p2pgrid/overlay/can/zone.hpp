#pragma once
/// CAN geometry: points and zones in the unit box [0,1)^d, d <= kMaxDims,
/// in exact fixed-point arithmetic. A coordinate is a 32-bit integer c
/// standing for c / 2^32; a zone is a dyadic box: per dimension an interval
/// [lo, lo + 2^(32 - level)) with lo a multiple of its width. Every split
/// halves one interval, so zone bounds, volumes and containment are exact
/// and bit-identical on every rank (Ratnasamy et al., SIGCOMM 2001, §2.1).
///
/// The space is a box, not the paper's torus: for matchmaking "more capable"
/// is an order on coordinates (docs/can.md), and a wrap-around would make
/// the most capable machines neighbours of the least capable ones.
///
/// Dimensions beyond the scenario's d keep level 0 (the full interval) and
/// points keep coordinate 0 there, so containment and adjacency need not
/// know d; only split() does.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace p2pgrid::can {

inline constexpr int kMaxDims = 4;
/// Finest split per dimension: a zone interval is at least 1/2^32 wide.
inline constexpr std::uint8_t kMaxLevel = 32;
inline constexpr std::uint64_t kSpan = std::uint64_t{1} << 32U;

/// A point of the CAN space; coordinate c stands for c / 2^32.
struct Point {
  std::array<std::uint32_t, kMaxDims> x{};
  friend constexpr bool operator==(const Point&, const Point&) = default;
};

/// Zone::contact's answer.
struct ZoneContact {
  bool overlaps = false;
  bool abuts = false;
};

/// A dyadic box. 20 bytes.
class Zone {
 public:
  /// The whole space.
  constexpr Zone() = default;

  /// Throws std::invalid_argument if a level exceeds kMaxLevel or a lower
  /// bound is not a multiple of its interval's width.
  static Zone from_bounds(const std::array<std::uint32_t, kMaxDims>& lo,
                          const std::array<std::uint8_t, kMaxDims>& level);
  /// True when from_bounds would accept these bounds. Inline: decoding
  /// neighbour lists checks every zone of every entry, and only a bad one
  /// needs from_bounds' message.
  static constexpr bool valid_bounds(const std::array<std::uint32_t, kMaxDims>& lo,
                                     const std::array<std::uint8_t, kMaxDims>& level) {
    // Without branches (4% of a CAN run's instructions as a chain of &&): a
    // level above kMaxLevel fails by itself, so its mask may be anything,
    // and `& 63` only keeps that shift defined.
    std::uint64_t bad = 0;
    for (std::size_t i = 0; i < kMaxDims; ++i) {
      bad |= static_cast<std::uint64_t>(level[i] > kMaxLevel);
      bad |= std::uint64_t{lo[i]} & ((kSpan >> (level[i] & 63U)) - 1);
    }
    return bad == 0;
  }
  /// from_bounds for bounds that passed valid_bounds.
  static constexpr Zone from_valid_bounds(const std::array<std::uint32_t, kMaxDims>& lo,
                                          const std::array<std::uint8_t, kMaxDims>& level) {
    Zone z;
    z.lo_ = lo;
    z.level_ = level;
    return z;
  }

  [[nodiscard]] constexpr std::uint32_t lo(int dim) const { return lo_[static_cast<std::size_t>(dim)]; }
  [[nodiscard]] constexpr std::uint8_t level(int dim) const { return level_[static_cast<std::size_t>(dim)]; }
  /// Width of the interval in `dim`, in units of 2^-32 (2^32 for level 0).
  [[nodiscard]] constexpr std::uint64_t width(int dim) const { return kSpan >> level(dim); }
  /// Exclusive upper bound in `dim` (up to 2^32).
  [[nodiscard]] constexpr std::uint64_t hi(int dim) const { return std::uint64_t{lo(dim)} + width(dim); }
  /// Sum of the levels: the volume is exactly 2^-level_sum().
  [[nodiscard]] int level_sum() const;
  /// The volume as a double (exact while level_sum() <= 1074).
  [[nodiscard]] double volume() const;

  [[nodiscard]] bool contains(const Point& p) const;
  /// True when the boxes share interior points.
  [[nodiscard]] bool overlaps(const Zone& o) const;
  /// True when `o` lies inside this zone (equal zones included).
  [[nodiscard]] bool covers(const Zone& o) const;
  /// CAN neighbours in a box: the intervals touch end to end in exactly one
  /// dimension and overlap in every other one. Corners and edges alone do
  /// not count. Example (d = 2): [0,1/2)x[0,1) and [1/2,1)x[1/2,1) abut
  /// (touch at x = 1/2, overlap in y); [0,1/2)x[0,1/2) and [1/2,1)x[1/2,1)
  /// touch only at a corner and do not.
  [[nodiscard]] bool abuts(const Zone& o) const;
  /// overlaps(o) and abuts(o) from one pass without branches: the
  /// neighbour-list handlers ask both of every entry, and the early exits
  /// of the two loops were data-dependent branches the CPU could not learn.
  [[nodiscard]] ZoneContact contact(const Zone& o) const;
  /// L1 distance, in units of 2^-32, from `p` to the nearest point of the
  /// zone (0 when inside). Greedy routing forwards to the neighbour zone
  /// nearest the target: with an exact neighbour table some neighbour is
  /// always strictly nearer than the current zone, so routes terminate.
  [[nodiscard]] std::uint64_t distance(const Point& p) const;

  /// The dimension the next split uses: the lowest level among the first
  /// `dims`, ties to the lowest index. Splitting a fresh space in d = 2
  /// therefore alternates x, y, x, y, ... (the fixed order of CAN §2.2).
  [[nodiscard]] int split_dim(int dims) const;
  [[nodiscard]] bool splittable(int dims) const;
  /// The lower and upper halves along split_dim(dims). Example (d = 2):
  /// [0,1)x[0,1) -> [0,1/2)x[0,1), [1/2,1)x[0,1); then [1/2,1)x[0,1) ->
  /// [1/2,1)x[0,1/2), [1/2,1)x[1/2,1). Precondition: splittable(dims).
  [[nodiscard]] std::pair<Zone, Zone> split(int dims) const;
  /// The dimension a join splits along when the owner's point `keep` and
  /// the joiner's point `join` both lie in this zone: the first dimension,
  /// in the cyclic order starting at split_dim(dims), whose halving puts
  /// them on different sides, so each keeps a zone around its own point;
  /// split_dim(dims) if no halving separates them (identical machines
  /// without a virtual dimension). -1 if that dimension is at kMaxLevel.
  /// Example (d = 2, zone [0,1)^2): keep = (0.1, 0.2), join = (0.3, 0.9):
  /// x at 1/2 does not separate them, y at 1/2 does, so split y.
  [[nodiscard]] int separating_dim(int dims, const Point& keep, const Point& join) const;
  /// True when halving along `dim` puts a and b on different sides.
  [[nodiscard]] bool halving_separates(int dim, const Point& a, const Point& b) const;
  /// The lower and upper halves along `dim`. Precondition: level(dim) < kMaxLevel.
  [[nodiscard]] std::pair<Zone, Zone> split_along(int dim) const;
  /// The intersection of two overlapping zones (a dyadic box again, since
  /// dyadic intervals are nested or disjoint). Precondition: overlaps(o).
  [[nodiscard]] Zone intersection(const Zone& o) const;
  /// If this zone and `o` are the two halves of one dyadic box, that box.
  [[nodiscard]] bool mergeable(const Zone& o) const;
  [[nodiscard]] Zone merged(const Zone& o) const;

  friend constexpr bool operator==(const Zone&, const Zone&) = default;
  /// A total order (level sum, then bounds) for deterministic sorting.
  [[nodiscard]] bool before(const Zone& o) const;

 private:
  /// True when the dyadic intervals [lo_a, +2^(32-level_a)) and [lo_b, ...)
  /// share a point, i.e. one contains the other.
  static bool nested(std::uint32_t lo_a, std::uint8_t level_a, std::uint32_t lo_b, std::uint8_t level_b);

  std::array<std::uint32_t, kMaxDims> lo_{};
  std::array<std::uint8_t, kMaxDims> level_{};
};


// Inline: learn_heir takes the volume of every entry of every neighbour list.
inline int Zone::level_sum() const {
  // The four level bytes summed by one multiply: byte 3 of packed * 0x01010101
  // is the sum of all four bytes (byte order does not matter), and no partial
  // sum carries since it is at most 4 * kMaxLevel < 256.
  static_assert(kMaxDims == 4 && 4 * kMaxLevel < 256);
  std::uint32_t packed = 0;
  std::memcpy(&packed, level_.data(), sizeof packed);
  return static_cast<int>((packed * 0x01010101U) >> 24U);
}

inline double Zone::volume() const {
  // 2^-level_sum built from its exponent bits: the value std::ldexp(1.0, -s)
  // gives, bit for bit (s <= 4 * kMaxLevel, far from the subnormals), without
  // the libm call, which showed in profiles of the neighbour-list handlers.
  static_assert(kMaxDims * kMaxLevel < 1023);
  return std::bit_cast<double>(static_cast<std::uint64_t>(1023 - level_sum()) << 52U);
}

// Inline: the neighbour-list handlers test every entry against every zone
// held, and the calls cost more than the tests.
inline bool Zone::contains(const Point& p) const {
  for (int d = 0; d < kMaxDims; ++d) {
    const std::uint32_t c = p.x[static_cast<std::size_t>(d)];
    if (c < lo(d) || std::uint64_t{c} >= hi(d)) return false;
  }
  return true;
}

// Dyadic intervals are nested or disjoint, and nested exactly when they
// agree on the bits above the coarser one's width: one xor and one shift per
// dimension instead of both upper bounds. The shift is done in 64 bits, so a
// level-0 interval (shift by 32) compares no bits and contains everything.
inline bool Zone::nested(std::uint32_t lo_a, std::uint8_t level_a, std::uint32_t lo_b, std::uint8_t level_b) {
  const unsigned coarser = level_a < level_b ? level_a : level_b;
  return (std::uint64_t{lo_a ^ lo_b} >> (32U - coarser)) == 0;
}

inline bool Zone::overlaps(const Zone& o) const {
  // Early exit: an entry of a neighbour list is usually apart from our zone
  // in its first dimension already.
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    if (!nested(lo_[d], level_[d], o.lo_[d], o.level_[d])) return false;
  }
  return true;
}

inline bool Zone::covers(const Zone& o) const {
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    // o's interval lies inside ours: at least as fine, and our prefix.
    if (o.level_[d] < level_[d] || !nested(lo_[d], level_[d], o.lo_[d], o.level_[d])) return false;
  }
  return true;
}

inline bool Zone::abuts(const Zone& o) const {
  int touching = 0;
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    if (nested(lo_[d], level_[d], o.lo_[d], o.level_[d])) continue;  // overlapping in this dimension
    // Disjoint: touching end to end, or apart.
    const std::uint64_t hi_a = std::uint64_t{lo_[d]} + (kSpan >> level_[d]);
    const std::uint64_t hi_b = std::uint64_t{o.lo_[d]} + (kSpan >> o.level_[d]);
    if (hi_a != o.lo_[d] && hi_b != lo_[d]) return false;  // apart in this dimension
    ++touching;
  }
  return touching == 1;
}

inline ZoneContact Zone::contact(const Zone& o) const {
  // Both upper bounds are needed for the touching test, so the overlap test
  // compares intervals directly rather than by the prefix shortcut.
  unsigned overlapping_dims = 0;
  unsigned touching_dims = 0;  // end to end; never an overlapping dimension too
  for (std::size_t d = 0; d < kMaxDims; ++d) {
    const std::uint64_t lo_a = lo_[d];
    const std::uint64_t lo_b = o.lo_[d];
    const std::uint64_t hi_a = lo_a + (kSpan >> level_[d]);
    const std::uint64_t hi_b = lo_b + (kSpan >> o.level_[d]);
    overlapping_dims |= static_cast<unsigned>((lo_a < hi_b) & (lo_b < hi_a)) << d;
    touching_dims |= static_cast<unsigned>((hi_a == lo_b) | (hi_b == lo_a)) << d;
  }
  constexpr unsigned kAll = (1U << kMaxDims) - 1;
  // Bit m set if mask m has exactly one dimension: std::has_single_bit is a
  // libgcc call on CPUs without POPCNT (the portable build), 1% of a CAN run.
  constexpr unsigned kSingleDim = [] {
    unsigned bits = 0;
    for (unsigned m = 0; m <= kAll; ++m) bits |= static_cast<unsigned>(std::has_single_bit(m)) << m;
    return bits;
  }();
  return {.overlaps = overlapping_dims == kAll,
          .abuts = (overlapping_dims | touching_dims) == kAll && ((kSingleDim >> touching_dims) & 1U) != 0};
}

inline std::uint64_t Zone::distance(const Point& p) const {
  std::uint64_t sum = 0;
  for (int d = 0; d < kMaxDims; ++d) {
    const std::uint64_t c = p.x[static_cast<std::size_t>(d)];
    if (c < lo(d)) {
      sum += lo(d) - c;
    } else if (c >= hi(d)) {
      sum += c - (hi(d) - 1);  // to the last coordinate inside
    }
  }
  return sum;
}

/// How a join splits the zone that holds the joiner's point.
struct JoinSplit {
  int dim = -1;             ///< -1: the zone cannot be split
  bool joiner_low = false;  ///< the joiner takes the lower half
};

/// The split of `zone` for a joiner at `join` when the owner's own point
/// `keep` lies in it (pass keep = join when it does not): along
/// Zone::separating_dim. When no halving separates the two (identical
/// machines whose virtual coordinates fall on one side) and `virtual_dim`
/// (-1: none) can still be split, the rule kOwnPoint splits the virtual
/// dimension instead and gives the joiner the half without the owner's
/// point; the joiner then moves its virtual coordinate into its half
/// (into_zone). The virtual coordinate carries no capability, so every
/// peer keeps a zone around its own capabilities.
enum class JoinRule : std::uint8_t { kHalving, kOwnPoint };
JoinSplit join_split(const Zone& zone, int dims, const Point& keep, const Point& join, JoinRule rule,
                     int virtual_dim);

/// `p` with its virtual coordinate moved into `zone` (the zone's prefix,
/// p's low-order bits); the other coordinates unchanged. A no-op for a point
/// the zone contains.
Point into_zone(const Zone& zone, Point p, int virtual_dim);

/// `a` minus `hole` (a dyadic box inside `a`) as disjoint dyadic boxes: split
/// `a` towards `hole` one dimension at a time and keep the halves that miss
/// it. Example (d = 1): [0,1) minus [1/4,1/2) = [1/2,1), [0,1/4).
/// Precondition: a.covers(hole). Used only to settle conflicting claims.
std::vector<Zone> subtract(const Zone& a, const Zone& hole);

/// Coordinate of x in [0, 1) as a fixed-point value (clamped).
std::uint32_t to_coord(double x);
/// c / 2^32, exact.
double to_unit(std::uint64_t c);

}  // namespace p2pgrid::can
