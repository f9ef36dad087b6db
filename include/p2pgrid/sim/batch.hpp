#pragma once
/// The framing of a cross-rank batch: the messages one rank sends another in
/// a window, one record each: arrival time (i64), the sender's sequence
/// number (u64), sender and receiver (u32 each), payload length (u32) and
/// the payload, little-endian. The receiver decodes exactly the bytes it was
/// told it is owed, with the bounds-checked Reader: a record cut short or a
/// length beyond the bytes left is a DecodeError naming the field.

#include <cstdint>
#include <span>

#include "p2pgrid/core/codec.hpp"
#include "p2pgrid/sim/exchanger.hpp"

namespace p2pgrid {

struct BatchRecord {
  Time at;
  std::uint64_t seq = 0;
  std::uint32_t src = 0;
  std::uint32_t dst = 0;
  std::span<const std::byte> payload;  ///< points into the batch
};

inline void append_batch_record(ByteBuffer& out, Time at, std::uint64_t seq, PeerId from, PeerId to,
                                std::span<const std::byte> payload) {
  const auto put = [&out](auto v) {
    for (std::size_t i = 0; i < sizeof(v); ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFFU));
  };
  put(static_cast<std::uint64_t>(at.ns));
  put(seq);
  put(from.value);
  put(to.value);
  put(static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

/// Calls `each(const BatchRecord&)` for every record, in order; throws
/// DecodeError on malformed framing (records before it were delivered).
template <class Each>
void decode_batch(std::span<const std::byte> batch, Each&& each) {
  Reader in(batch);
  while (in.remaining() > 0) {
    BatchRecord r;
    r.at = Time{in.i64("batch.time")};
    r.seq = in.u64("batch.seq");
    r.src = in.u32("batch.src");
    r.dst = in.u32("batch.dst");
    const std::uint32_t len = in.count("batch.len", 1);
    r.payload = in.bytes(len, "batch.payload");
    each(static_cast<const BatchRecord&>(r));
  }
}

}  // namespace p2pgrid
