// The engine's cross-rank batch framing: any bytes either decode into
// records that lie inside the batch, or throw DecodeError; the records
// framed again give back the same bytes.
#include <vector>

#include "fuzz_target.hpp"
#include "p2pgrid/sim/batch.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto batch = fuzz::bytes(data, size);
  ByteBuffer again;
  try {
    decode_batch(batch, [&](const BatchRecord& r) {
      fuzz::require(r.payload.data() >= batch.data() && r.payload.data() + r.payload.size() <= batch.data() + batch.size(),
                    "batch: payload inside the batch");
      append_batch_record(again, r.at, r.seq, PeerId{r.src}, PeerId{r.dst}, r.payload);
    });
  } catch (const DecodeError&) {
    return 0;
  }
  fuzz::require(again.size() == batch.size() && std::equal(again.begin(), again.end(), batch.begin()),
                "batch: framing round trip");
  return 0;
}
