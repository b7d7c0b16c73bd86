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

TEST(IsoTimeTest, FormatsKnownInstantsExactly) {
  EXPECT_EQ(formatIsoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(formatIsoTime(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(formatIsoTime(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(formatIsoTime(4107542399999), "2100-02-28T23:59:59.999Z");
  EXPECT_EQ(formatIsoTime(4107542400000), "2100-03-01T00:00:00.000Z");
  EXPECT_EQ(formatIsoTime(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(IsoTimeTest, AppendIsoTimeAppendsWhatFormatIsoTimeWrites) {
  std::string out = "at ";
  appendIsoTime(out, 1700000000123);
  EXPECT_EQ(out, "at 2023-11-14T22:13:20.123Z");
  // Years past four digits keep the formatted form they always had.
  for (int64_t ms : {int64_t{253402300800000} /* 10000-01-01 */, int64_t{-62167219200001}}) {
    out.clear();
    appendIsoTime(out, ms);
    EXPECT_EQ(out, formatIsoTime(ms));
  }
  EXPECT_EQ(formatIsoTime(253402300800000), "10000-01-01T00:00:00.000Z");
}

TEST(IsoTimeTest, EveryDayFrom1970To2400ReadsBack) {
  // Midday and the last millisecond of each day: month and leap-year edges all come by.
  for (int64_t day = 0; day < 157400; ++day) {
    for (int64_t ms : {day * 86400000 + 43200000, day * 86400000 + 86399999}) {
      const std::string text = formatIsoTime(ms);
      ASSERT_EQ(parseIsoTime(text), ms) << text;
    }
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
