#pragma once
/// Describes a struct's wire layout from its fields() declaration (the
/// generated docs/messages.md), so the documented layout cannot drift from
/// the encoder.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "p2pgrid/core/fields.hpp"

namespace p2pgrid {

/// One described field: its name and its layout ("u32", "peer or none", ...).
struct FieldLayout {
  std::string name;
  std::string layout;
};

class FieldLayoutVisitor {
 public:
  template <class T>
  void operator()(const char* field, const T& v, PeerCheck check = PeerCheck::kAny) {
    add(field, v, check);
  }

  template <class C, class T, std::size_t N>
  void list(const char* field, const C& /*count*/, const char* item, const std::array<T, N>& items,
            PeerCheck check = PeerCheck::kAny) {
    out_.push_back({field, cat({"count ", width<C>()})});
    const std::size_t first = out_.size();
    add(item, items[0], check);
    mark_repeated(first, N);
  }

  template <BoundedList L>
  void list(const char* field, const L& /*l*/) {
    out_.push_back({field, "count u32"});
    const std::size_t first = out_.size();
    const typename L::value_type v{};
    add(field, v, PeerCheck::kAny);
    mark_repeated(first, L::capacity());
  }

  template <class C>
  void bytes(const char* size_field, const char* field, std::span<const std::byte> /*b*/, std::size_t limit) {
    out_.push_back({size_field, cat({"count ", width<C>()})});
    out_.push_back({field, cat({"count bytes (at most ", std::to_string(limit), ")"})});
  }

  template <class F>
  void require(const char* /*field*/, bool /*ok*/, F&& /*why*/) {}

  [[nodiscard]] const std::vector<FieldLayout>& fields() const { return out_; }

 private:
  /// Appends rather than chains operator+ (GCC 12 warns falsely on chains, -Wrestrict).
  static std::string cat(std::initializer_list<std::string_view> parts) {
    std::string out;
    for (const std::string_view p : parts) out.append(p);
    return out;
  }

  template <class T>
  static std::string width() {
    return cat({"u", std::to_string(8 * sizeof(T))});
  }

  void mark_repeated(std::size_t first, std::size_t most) {
    for (std::size_t i = first; i < out_.size(); ++i) {
      out_[i].layout.append(cat({" (count times, at most ", std::to_string(most), ")"}));
    }
  }

  template <class T>
  void add(const char* field, const T& v, PeerCheck check) {
    if constexpr (std::is_same_v<T, bool>) {
      out_.push_back({field, "bool u8"});
    } else if constexpr (std::is_same_v<T, PeerId>) {
      out_.push_back({field, check == PeerCheck::kAny        ? "peer u32"
                             : check == PeerCheck::kExisting ? "peer u32 (an existing peer)"
                                                             : "peer u32 (an existing peer, or none)"});
    } else if constexpr (std::is_same_v<T, Time>) {
      out_.push_back({field, "time i64 ns"});
    } else if constexpr (std::is_same_v<T, Duration>) {
      out_.push_back({field, "duration i64 ns"});
    } else if constexpr (std::is_enum_v<T>) {
      out_.push_back({field, cat({wire_enum_noun(T{}), " ", width<std::underlying_type_t<T>>()})});
    } else if constexpr (std::is_unsigned_v<T>) {
      out_.push_back({field, width<T>()});
    } else if constexpr (fields_detail::IsStdArray<T>::value) {
      const std::size_t first = out_.size();
      add(field, v[0], check);
      for (std::size_t i = first; i < out_.size(); ++i) out_[i].layout.append(cat({" x ", std::to_string(v.size())}));
    } else if constexpr (HasFields<T>) {
      T::fields(v, *this);
    } else {
      out_.push_back({field, FieldCodec<T>::describe()});
    }
  }

  std::vector<FieldLayout> out_;
};

/// The fields of one T, described.
template <class T>
std::vector<FieldLayout> field_layout() {
  FieldLayoutVisitor v;
  const T value{};
  T::fields(value, v);
  return v.fields();
}

}  // namespace p2pgrid
