#include "p2pgrid/app/trace_output.hpp"

#include <stdexcept>

namespace p2pgrid {
namespace {
class NoTrace final : public TraceOutput {
 public:
  TraceSink& sink() override { return sink_; }
  void close(const RunResult& /*result*/) override {}

 private:
  NullTraceSink sink_;
};
}  // namespace

std::unique_ptr<TraceOutput> open_trace_output(const std::string& path, const Scenario& /*scenario*/,
                                               const boost::mpi::communicator& /*comm*/) {
  if (!path.empty()) throw std::runtime_error("HDF5 trace output is not built yet");
  return std::make_unique<NoTrace>();
}

}  // namespace p2pgrid
