#include <gtest/gtest.h>

#include "p2pgrid/config/config.hpp"

namespace p2pgrid {
namespace {

TEST(Duration, ParsesEveryUnitExactly) {
  EXPECT_EQ(parse_duration("100ns").ns, 100);
  EXPECT_EQ(parse_duration("250us").ns, 250'000);
  EXPECT_EQ(parse_duration("10ms").ns, 10'000'000);
  EXPECT_EQ(parse_duration("1.5s").ns, 1'500'000'000);
  EXPECT_EQ(parse_duration("0.1s").ns, 100'000'000);
  EXPECT_EQ(parse_duration("2min").ns, 120'000'000'000);
  EXPECT_EQ(parse_duration("1h").ns, 3'600'000'000'000);
  EXPECT_EQ(parse_duration("30 s").ns, 30'000'000'000);
  EXPECT_EQ(parse_duration("1e3ms").ns, 1'000'000'000);
  EXPECT_EQ(parse_duration("2.5E-1s").ns, 250'000'000);
  EXPECT_EQ(parse_duration("0.000000001s").ns, 1);
  EXPECT_EQ(parse_duration("1.000000000000000000000000000000s").ns, 1'000'000'000);
  EXPECT_EQ(parse_duration("9223372036854775807ns").ns, 9'223'372'036'854'775'807);
}

TEST(Duration, TooLongIsOutOfRange) {
  for (const char* big : {"1e30s", "9223372036854775808ns", "2562048h", "99999999999999h", "1e19ns"}) {
    try {
      parse_duration(big);
      ADD_FAILURE() << big << ": accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), "'" + std::string(big) + "' is out of range (durations are at most 292 years)");
    }
  }
}

TEST(Duration, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "s", "10", "10 parsecs", "1.5ns", "-3s", "1..2s", "99999999999999h"}) {
    EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
  }
}

TEST(Duration, FormatsInTheLargestExactUnit) {
  EXPECT_EQ(format_duration(Duration::seconds(30)), "30s");
  EXPECT_EQ(format_duration(Duration::milliseconds(1500)), "1500ms");
  EXPECT_EQ(format_duration(Duration{7}), "7ns");
  EXPECT_EQ(format_duration(Duration::seconds(120)), "2min");
  for (const char* text : {"30s", "1500ms", "7ns", "2min", "3h", "250us"}) {
    EXPECT_EQ(format_duration(parse_duration(text)), text);
  }
}

}  // namespace
}  // namespace p2pgrid
