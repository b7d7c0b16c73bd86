#include <gtest/gtest.h>

#include "common/clock.h"

namespace cc::common {
namespace {

TEST(IsoTimeTest, ReadsBackWhatFormatIsoTimeWrites) {
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{999}, int64_t{1700000000123},
                     int64_t{951782400000} /* 2000-02-29 */, int64_t{253402300799999}}) {
    const std::string text = formatIsoTime(ms);
    auto back = parseIsoTime(text);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_EQ(*back, ms) << text;
  }
}

TEST(IsoTimeTest, AcceptsSecondsWithoutAFractionAndOffsets) {
  EXPECT_EQ(parseIsoTime("2023-11-14T22:13:20Z"), int64_t{1700000000000});
  EXPECT_EQ(parseIsoTime("2023-11-14T22:13:20.5Z"), int64_t{1700000000500});
  EXPECT_EQ(parseIsoTime("2023-11-14T22:13:20.123456Z"), int64_t{1700000000123});
  EXPECT_EQ(parseIsoTime("2023-11-15T00:13:20+02:00"), int64_t{1700000000000});
  EXPECT_EQ(parseIsoTime("2023-11-14T21:13:20-01:00"), int64_t{1700000000000});
}

TEST(IsoTimeTest, RefusesAnythingElse) {
  for (const char* text : {"",
                           "yesterday",
                           "2023-11-14",
                           "2023-11-14 22:13:20Z",
                           "2023-11-14T22:13:20",
                           "2023-11-14T22:13Z",
                           "2023-11-14T22:13:20.Z",
                           "2023-11-14T22:13:20Zjunk",
                           "2023-13-01T00:00:00Z",
                           "2023-02-29T00:00:00Z",
                           "2023-04-31T00:00:00Z",
                           "2023-11-14T24:00:00Z",
                           "2023-11-14T23:60:00Z",
                           "2023-11-14T23:59:60Z",
                           "2023-11-14T22:13:20+2:00",
                           "2023-11-14T22:13:20+24:00",
                           "1969-12-31T23:59:59Z",
                           "1970-01-01T00:30:00+01:00",
                           "+2023-11-14T22:13:20Z",
                           "２023-11-14T22:13:20Z"}) {
    EXPECT_FALSE(parseIsoTime(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace cc::common
