#include "p2pgrid/sim/traffic_record.hpp"

#include <array>
#include <cstddef>

namespace p2pgrid {
namespace {
// The values of ProtocolId (core/codec.hpp); 0: a payload without a header.
constexpr std::array kProtocolNames{EnumMember{"unknown", 0}, EnumMember{"phold", 1}, EnumMember{"chord", 2},
                                    EnumMember{"can", 3},     EnumMember{"grid", 4},  EnumMember{"match", 5}};
constexpr std::array kTrafficFields{
    FieldDesc{"peer", FieldType::kU32, offsetof(TrafficRecord, peer), "", "the peer"},
    FieldDesc{"protocol", FieldType::kU32, offsetof(TrafficRecord, protocol), "", "protocol of the messages",
              kProtocolNames},
    FieldDesc{"sent", FieldType::kU64, offsetof(TrafficRecord, sent), "", "messages sent (lost ones included)"},
    FieldDesc{"sent_bytes", FieldType::kU64, offsetof(TrafficRecord, sent_bytes), "bytes", "payload bytes sent"},
    FieldDesc{"received", FieldType::kU64, offsetof(TrafficRecord, received), "",
              "messages delivered while the peer was up"},
    FieldDesc{"received_bytes", FieldType::kU64, offsetof(TrafficRecord, received_bytes), "bytes",
              "payload bytes delivered"},
};
}  // namespace

const TableDesc TrafficRecord::kTable{"traffic", sizeof(TrafficRecord), kTrafficFields,
                                      "Per peer and protocol: messages and bytes sent and received over the run "
                                      "(trace.traffic).", 1};
static_assert(sizeof(TrafficRecord) == 40);

}  // namespace p2pgrid
