// The FTA availability-table reader: any text either reads or throws
// TraceFileError naming the file, line and field.
#include <sstream>
#include <string>

#include "fuzz_target.hpp"
#include "p2pgrid/workload/availability_trace.hpp"
#include "p2pgrid/workload/trace_line.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    static_cast<void>(workload::read_availability(in, "fuzz.tab"));
  } catch (const workload::TraceFileError&) {
  }
  return 0;
}
