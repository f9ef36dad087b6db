// The SWF job-log reader: any text either reads or throws TraceFileError
// naming the file, line and field.
#include <sstream>
#include <string>

#include "fuzz_target.hpp"
#include "p2pgrid/workload/swf_reader.hpp"
#include "p2pgrid/workload/trace_line.hpp"

using namespace p2pgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    static_cast<void>(workload::read_swf(in, "fuzz.swf"));
  } catch (const workload::TraceFileError&) {
  }
  return 0;
}
