#pragma once
/// One declaration of a struct's fields, from which its wire encoding is
/// derived (docs/architecture.md, "Field declarations"). A message or state
/// struct lists its fields once, in wire order:
///
///   template <class S, class V>
///   static void fields(S& s, V& v) {
///     v("nonce", s.nonce);
///     v("bound", s.bound, PeerCheck::kExistingOrNone);
///   }
///
/// `S` is the struct (const when encoding) and `V` a visitor: FieldWriter
/// encodes, FieldReader decodes with every read bounds-checked (Reader), and
/// FieldSizer adds up the encoded size. Adding a field is one line; the
/// name is the one a DecodeError reports.
///
/// What a field may be: an unsigned integer, bool, PeerId, Time, Duration,
/// an enum (with `wire_enum_valid(E)` and `wire_enum_noun(E)` found by ADL),
/// a std::array of these (each element under the field's name), a struct
/// with its own fields(), or a type with a FieldCodec specialisation (its
/// layout depends on the context, as CAN points do). Besides plain fields a
/// visitor takes counted lists (list), byte payloads (bytes) and checks
/// across fields (require, evaluated where it stands in the order).

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/core/ids.hpp"
#include "p2pgrid/core/time.hpp"

namespace p2pgrid {

/// How a decoded peer id is checked against FieldContext::peers.
enum class PeerCheck : std::uint8_t {
  kAny,             ///< any value (the receiver checks it where it matters)
  kExisting,        ///< below `peers`, not "none"
  kExistingOrNone,  ///< below `peers`, or "none"
};

/// Translates the engine's timer handles (TimerId values, which name a
/// timer slot of one rank) to a form that names the timer by its owner's
/// sequence number, and back, so a peer's state written on one rank is read
/// on another (docs/checkpoint.md, "Timers").
class CheckpointTimers {
 public:
  [[nodiscard]] virtual std::uint64_t save(std::uint64_t timer) const = 0;
  [[nodiscard]] virtual std::uint64_t restore(std::uint64_t saved) const = 0;

 protected:
  CheckpointTimers() = default;
  CheckpointTimers(const CheckpointTimers&) = default;
  CheckpointTimers& operator=(const CheckpointTimers&) = default;
  ~CheckpointTimers() = default;
};

/// Most items a growing list of checkpointed state may hold (a bound on
/// what a reader allocates, far above any real peer's tables).
inline constexpr std::size_t kMaxStateList = 1U << 20U;

/// What a layout may depend on beyond the bytes.
struct FieldContext {
  std::uint32_t peers = 0;  ///< number of peers, for PeerCheck::kExisting*
  int dims = 0;             ///< CAN space dimensions (points and zones)
  /// In a checkpoint: the peer's timer handles (null: written as they are).
  const CheckpointTimers* timers = nullptr;
};

/// Specialise for a type whose layout depends on the context:
///   static void write(Writer&, const FieldContext&, const T&);
///   static void read(Reader&, const FieldContext&, const char* field, T&);
///   static std::size_t size(const FieldContext&);
template <class T>
struct FieldCodec;

/// A double in checkpointed state (decayed usage): its IEEE-754 bits, so
/// it reads back exactly.
template <>
struct FieldCodec<double> {
  static void write(Writer& w, const FieldContext& /*ctx*/, const double& x) { w.u64(std::bit_cast<std::uint64_t>(x)); }
  static void read(Reader& r, const FieldContext& /*ctx*/, const char* field, double& x) {
    x = std::bit_cast<double>(r.u64(field));
  }
  static std::size_t size(const FieldContext& /*ctx*/) { return 8; }
};

namespace fields_detail {

/// Writer and Reader name their widths; visitors pick one by type.
template <class T>
void put_unsigned(Writer& w, T v) {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
  if constexpr (sizeof(T) == 1) {
    w.u8(v);
  } else if constexpr (sizeof(T) == 2) {
    w.u16(v);
  } else if constexpr (sizeof(T) == 4) {
    w.u32(v);
  } else {
    static_assert(sizeof(T) == 8);
    w.u64(v);
  }
}

template <class T>
T get_unsigned(Reader& r, const char* field) {
  static_assert(std::is_unsigned_v<T> && !std::is_same_v<T, bool>);
  if constexpr (sizeof(T) == 1) {
    return r.u8(field);
  } else if constexpr (sizeof(T) == 2) {
    return r.u16(field);
  } else if constexpr (sizeof(T) == 4) {
    return r.u32(field);
  } else {
    static_assert(sizeof(T) == 8);
    return r.u64(field);
  }
}

/// Stands in for a visitor when asking whether a type declares fields.
struct AnyVisitor {
  template <class... A>
  void operator()(A&&...) {}
  template <class... A>
  void list(A&&...) {}
  template <class... A>
  void bytes(A&&...) {}
  template <class... A>
  void require(A&&...) {}
};

template <class T>
struct IsStdArray : std::false_type {};
template <class T, std::size_t N>
struct IsStdArray<std::array<T, N>> : std::true_type {};

template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};

}  // namespace fields_detail

/// Optionally specialise for the item type of a bounded list whose items
/// are many and simple (CAN neighbour entries), to decode an item straight
/// from its bytes, which the list's count check has already proven present:
///   static bool read(const std::byte* p, const FieldContext&, T&);
/// It returns false for anything the item's fields() would reject (or
/// cannot judge); the FieldReader then decodes that item the ordinary way,
/// so the error is the one the field declaration gives. Tests must check it
/// against the declared layout (tests/overlay/can/codec_test.cpp does).
template <class T>
struct FastItemCodec;

template <class T>
concept HasFastItemCodec = requires(const std::byte* p, const FieldContext& ctx, T& v) {
  { FastItemCodec<T>::read(p, ctx, v) } -> std::same_as<bool>;
};

template <class T>
concept HasFields = requires(T& t, fields_detail::AnyVisitor& v) {
  T::fields(t, v);
};

template <class T>
concept HasFieldCodec = requires {
  FieldCodec<T>::size(FieldContext{});
};

template <class T>
concept WireEnum = std::is_enum_v<T> && requires(T e) {
  { wire_enum_valid(e) } -> std::convertible_to<bool>;
  { wire_enum_noun(e) } -> std::convertible_to<const char*>;
};

/// A fixed-capacity list with a `size` member, push_back() and view().
template <class L>
concept BoundedList = requires(L& l, const typename L::value_type& v) {
  l.size;
  l.push_back(v);
  { l.emplace_back() } -> std::same_as<typename L::value_type&>;
  l.view();
  L::capacity();
};

/// A growable list of state (checkpoints): std::vector, or a small vector
/// that keeps its first items inline.
template <class V>
concept StateList = !BoundedList<V> && requires(V& v, std::size_t n, const typename V::value_type& item) {
  v.size();
  v.assign(n, item);
  v.begin();
  v.end();
};

/// Encodes the fields of a struct, in declaration order.
class FieldWriter {
 public:
  FieldWriter(Writer& w, const FieldContext& ctx) : w_(w), ctx_(ctx) {}

  template <class T>
  void operator()(const char* /*field*/, const T& v, PeerCheck /*check*/ = PeerCheck::kAny) {
    put(v);
  }

  /// A count of type C, then `count` items of `items`.
  template <class C, class T, std::size_t N>
  void list(const char* field, const C& count, const char* item, const std::array<T, N>& items,
            PeerCheck check = PeerCheck::kAny) {
    if (count > N)
      throw EncodeError(std::string(field) + ": " + std::to_string(count) + " items, at most " + std::to_string(N));
    fields_detail::put_unsigned<C>(w_, count);
    for (std::size_t i = 0; i < count; ++i) (*this)(item, items[i], check);
  }

  /// A u32 count, then the list's items.
  template <BoundedList L>
  void list(const char* field, const L& l) {
    if (l.size > L::capacity()) throw EncodeError(std::string(field) + ": too many items");
    w_.u32(l.size);
    for (const auto& v : l.view()) (*this)(field, v);
  }

  /// A u32 count (at most `limit`), then the list's items (state that
  /// grows, in checkpoints; messages use fixed-capacity lists).
  template <StateList V>
  void list(const char* field, const V& items, std::size_t limit) {
    if (items.size() > limit) {
      throw EncodeError(std::string(field) + ": " + std::to_string(items.size()) + " items, at most " +
                        std::to_string(limit));
    }
    w_.u32(static_cast<std::uint32_t>(items.size()));
    for (const auto& v : items) (*this)(field, v);
  }

  /// A count of type C, then the bytes themselves (at most `limit`).
  template <class C>
  void bytes(const char* size_field, const char* /*field*/, std::span<const std::byte> b, std::size_t limit) {
    if (b.size() > limit) {
      throw EncodeError(std::string(size_field) + ": payload of " + std::to_string(b.size()) + " bytes (at most " +
                        std::to_string(limit) + ")");
    }
    fields_detail::put_unsigned<C>(w_, static_cast<C>(b.size()));
    w_.raw(b);
  }

  /// Checks hold for what a reader accepts; a writer may send anything.
  template <class F>
  void require(const char* /*field*/, bool /*ok*/, F&& /*why*/) {}

 private:
  template <class T>
  void put(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      w_.boolean(v);
    } else if constexpr (std::is_same_v<T, PeerId>) {
      w_.peer(v);
    } else if constexpr (std::is_same_v<T, Time>) {
      w_.time(v);
    } else if constexpr (std::is_same_v<T, Duration>) {
      w_.duration(v);
    } else if constexpr (std::is_enum_v<T>) {
      static_assert(WireEnum<T>, "an enum field needs wire_enum_valid() and wire_enum_noun()");
      fields_detail::put_unsigned<std::underlying_type_t<T>>(w_, static_cast<std::underlying_type_t<T>>(v));
    } else if constexpr (std::is_unsigned_v<T>) {
      fields_detail::put_unsigned<T>(w_, v);
    } else if constexpr (fields_detail::IsStdArray<T>::value) {
      for (const auto& e : v) put(e);
    } else if constexpr (fields_detail::IsPair<T>::value) {
      put(v.first);
      put(v.second);
    } else if constexpr (HasFields<T>) {
      T::fields(v, *this);
    } else {
      static_assert(HasFieldCodec<T>, "no wire layout for this field type");
      FieldCodec<T>::write(w_, ctx_, v);
    }
  }

  Writer& w_;
  const FieldContext& ctx_;
};

/// Decodes the fields of a struct in place; every failure is a DecodeError
/// naming the field and the byte.
class FieldReader {
 public:
  FieldReader(Reader& r, const FieldContext& ctx) : r_(r), ctx_(ctx) {}

  template <class T>
  void operator()(const char* field, T& v, PeerCheck check = PeerCheck::kAny) {
    get(field, v, check);
  }

  template <class C, class T, std::size_t N>
  void list(const char* field, C& count, const char* item, std::array<T, N>& items, PeerCheck check = PeerCheck::kAny) {
    count = read_count<C>(field, N, item_size<T>());
    for (std::size_t i = 0; i < count; ++i) get(item, items[i], check);
  }

  template <BoundedList L>
  void list(const char* field, L& l) {
    using T = typename L::value_type;
    // Items of a bounded list have a fixed size (FieldSizer has no lists),
    // so the count check proves that all of them fit: decode them from a
    // local reader over exactly their bytes, whose position the compiler
    // keeps in a register (through r_ it reloads it after every store).
    const std::size_t size = item_size<T>();
    const auto n = read_count<std::uint32_t>(field, L::capacity(), size);
    const std::size_t at = r_.offset();
    const auto all = r_.bytes(n * size, field);
    l.size = 0;
    if constexpr (HasFastItemCodec<T>) {
      for (std::uint32_t i = 0; i < n; ++i) {
        T& v = l.emplace_back();
        if (!FastItemCodec<T>::read(all.data() + std::size_t{i} * size, ctx_, v)) {
          // The declared way, over this item's bytes: same checks, same error.
          Reader one(all.subspan(std::size_t{i} * size, size), at + std::size_t{i} * size);
          FieldReader(one, ctx_).get(field, v, PeerCheck::kAny);
        }
      }
      return;
    }
    Reader items(all, at);
    FieldReader sub(items, ctx_);
    for (std::uint32_t i = 0; i < n; ++i) sub.get(field, l.emplace_back(), PeerCheck::kAny);
    items.expect_end();
  }

  template <StateList V>
  void list(const char* field, V& items, std::size_t limit) {
    // Items may hold lists themselves: the limit bounds the allocation.
    const auto n = read_count<std::uint32_t>(field, limit, 0);
    items.assign(n, typename V::value_type{});
    for (auto& v : items) get(field, v, PeerCheck::kAny);
  }

  /// The payload views the decoded bytes (valid while they are).
  template <class C>
  void bytes(const char* size_field, const char* field, std::span<const std::byte>& b, std::size_t limit) {
    const C n = fields_detail::get_unsigned<C>(r_, size_field);
    if (n > limit || n > r_.remaining()) {
      r_.fail(size_field, std::to_string(n) + " bytes announced (at most " + std::to_string(limit) + "), " +
                              std::to_string(r_.remaining()) + " left");
    }
    b = r_.bytes(n, field);
  }

  template <class F>
  void require(const char* field, bool ok, F&& why) {
    if (!ok) r_.fail(field, why());
  }

 private:
  template <class T>
  std::size_t item_size() const;

  template <class C>
  C read_count(const char* field, std::size_t capacity, std::size_t item_bytes) {
    const C n = fields_detail::get_unsigned<C>(r_, field);
    if (item_bytes != 0 && n > r_.remaining() / item_bytes) {
      r_.fail(field, "count " + std::to_string(n) + " exceeds the " + std::to_string(r_.remaining()) + " bytes left");
    }
    if (n > capacity)
      r_.fail(field, "count " + std::to_string(n) + " exceeds the limit of " + std::to_string(capacity));
    return n;
  }

  void check_peer(const char* field, PeerId p, PeerCheck check) {
    if (check == PeerCheck::kAny) return;
    if (!p.valid()) {
      if (check == PeerCheck::kExisting) r_.fail(field, "peer id is 'none'");
      return;
    }
    if (p.value >= ctx_.peers) {
      r_.fail(field, "peer " + std::to_string(p.value) + " out of range (" + std::to_string(ctx_.peers) + " peers)");
    }
  }

  template <class T>
  void get(const char* field, T& v, PeerCheck check) {
    if constexpr (std::is_same_v<T, bool>) {
      v = r_.boolean(field);
    } else if constexpr (std::is_same_v<T, PeerId>) {
      v = r_.peer(field);
      check_peer(field, v, check);
    } else if constexpr (std::is_same_v<T, Time>) {
      v = r_.time(field);
    } else if constexpr (std::is_same_v<T, Duration>) {
      v = r_.duration(field);
    } else if constexpr (std::is_enum_v<T>) {
      static_assert(WireEnum<T>, "an enum field needs wire_enum_valid() and wire_enum_noun()");
      using U = std::underlying_type_t<T>;
      const U raw = fields_detail::get_unsigned<U>(r_, field);
      if (!wire_enum_valid(static_cast<T>(raw))) {
        r_.fail(field, std::string("unknown ") + wire_enum_noun(T{}) + " " + std::to_string(raw));
      }
      v = static_cast<T>(raw);
    } else if constexpr (std::is_unsigned_v<T>) {
      v = fields_detail::get_unsigned<T>(r_, field);
    } else if constexpr (fields_detail::IsStdArray<T>::value) {
      for (auto& e : v) get(field, e, check);
    } else if constexpr (fields_detail::IsPair<T>::value) {
      get(field, v.first, check);
      get(field, v.second, check);
    } else if constexpr (HasFields<T>) {
      T::fields(v, *this);
    } else {
      static_assert(HasFieldCodec<T>, "no wire layout for this field type");
      FieldCodec<T>::read(r_, ctx_, field, v);
    }
  }

  Reader& r_;
  const FieldContext& ctx_;
};

/// Adds up the encoded size of a fixed-layout struct (no lists or payloads).
class FieldSizer {
 public:
  explicit FieldSizer(const FieldContext& ctx) : ctx_(ctx) {}

  template <class T>
  void operator()(const char* /*field*/, const T& v, PeerCheck /*check*/ = PeerCheck::kAny) {
    add(v);
  }
  template <class F>
  void require(const char* /*field*/, bool /*ok*/, F&& /*why*/) {}

  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  template <class T>
  void add(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      size_ += 1;
    } else if constexpr (std::is_same_v<T, PeerId>) {
      size_ += 4;
    } else if constexpr (std::is_same_v<T, Time> || std::is_same_v<T, Duration>) {
      size_ += 8;
    } else if constexpr (std::is_enum_v<T>) {
      size_ += sizeof(std::underlying_type_t<T>);
    } else if constexpr (std::is_unsigned_v<T>) {
      size_ += sizeof(T);
    } else if constexpr (fields_detail::IsStdArray<T>::value) {
      for (const auto& e : v) add(e);
    } else if constexpr (fields_detail::IsPair<T>::value) {
      add(v.first);
      add(v.second);
    } else if constexpr (HasFields<T>) {
      T::fields(v, *this);
    } else {
      size_ += FieldCodec<T>::size(ctx_);
    }
  }

  const FieldContext& ctx_;
  std::size_t size_ = 0;
};

/// Encoded size of one T (a fixed layout) under `ctx`.
template <class T>
std::size_t encoded_size(const FieldContext& ctx) {
  FieldSizer s(ctx);
  const T v{};
  s("", v);
  return s.size();
}

template <class T>
std::size_t FieldReader::item_size() const {
  return encoded_size<T>(ctx_);
}

/// Header (protocol, version, M::kType), then `prefix` (a protocol's bytes
/// common to every message, may be empty), then the fields of `m`.
template <class M, class Prefix>
void write_message(Writer& w, ProtocolId protocol, const FieldContext& ctx, const M& m, Prefix&& prefix) {
  w.header(protocol, static_cast<std::uint8_t>(M::kType));
  prefix(w);
  FieldWriter fw(w, ctx);
  M::fields(m, fw);
}

template <class M>
void write_message(Writer& w, ProtocolId protocol, const FieldContext& ctx, const M& m) {
  write_message(w, protocol, ctx, m, [](Writer&) {});
}

/// Decodes the fields of the alternative of `out` whose kType is `type`
/// (the header already read); `protocol_name` names the protocol in the
/// error for an unknown type. Does not check for trailing bytes.
template <class... Ms>
void read_message(Reader& r, const FieldContext& ctx, std::uint8_t type, std::variant<Ms...>& out,
                  const char* protocol_name) {
  FieldReader fr(r, ctx);
  const bool known =
      ((static_cast<std::uint8_t>(Ms::kType) == type ? (Ms::fields(out.template emplace<Ms>(), fr), true) : false) ||
       ...);
  if (!known) r.fail("type", std::string("unknown ") + protocol_name + " message type " + std::to_string(type));
}

}  // namespace p2pgrid
