#include "common/json_writer.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <limits>

namespace cc::common {
namespace {

class JsonWriterTest : public ::testing::Test {
 protected:
  static std::string quoted(std::string_view s) {
    std::string out;
    JsonWriter::appendString(out, s);
    return out;
  }
};

TEST_F(JsonWriterTest, NestsAndSeparates) {
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .key("a")
      .value(1)
      .key("b")
      .beginArray()
      .value(true)
      .null()
      .value("x")
      .endArray()
      .key("c")
      .beginObject()
      .endObject()
      .key("d")
      .raw("[1,2]")
      .endObject();
  EXPECT_EQ(out, R"({"a":1,"b":[true,null,"x"],"c":{},"d":[1,2]})");
}

TEST_F(JsonWriterTest, NumbersAreCompactAndFinite) {
  std::string out;
  JsonWriter w(out);
  w.beginArray()
      .value(37.5)
      .value(100.0)
      .value(0.004)
      .value(1.0 / 3)
      .value(-0.001)
      .value(std::numeric_limits<double>::quiet_NaN())
      .value(std::numeric_limits<double>::infinity())
      .value(uint64_t{18446744073709551615ull})
      .value(int64_t{-5})
      .endArray();
  EXPECT_EQ(out, "[37.5,100,0,0.33,0,null,null,18446744073709551615,-5]");
}

TEST_F(JsonWriterTest, TimesAreQuotedIsoTextAndIntegersTheirDigits) {
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .key("at")
      .time(1700000000123)
      .key("min")
      .value(std::numeric_limits<int64_t>::min())
      .key("zero")
      .value(int64_t{0})
      .endObject();
  EXPECT_EQ(out, R"({"at":"2023-11-14T22:13:20.123Z","min":-9223372036854775808,"zero":0})");
}

TEST_F(JsonWriterTest, EscapesWithinAndBetweenRunsOfPlainText) {
  // The plain bytes around each escape are kept in order, whatever the lengths of the runs.
  EXPECT_EQ(quoted(std::string(40, 'x') + "\"" + std::string(3, 'y') + "\n"),
            "\"" + std::string(40, 'x') + "\\\"yyy\\n\"");
  EXPECT_EQ(quoted("\x7f~ \xC3\xA9!"), "\"\\u007f~ \xC3\xA9!\"");
  EXPECT_EQ(quoted(""), "\"\"");
}

TEST_F(JsonWriterTest, EscapesAndRepairsUtf8) {
  EXPECT_EQ(quoted("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
  EXPECT_EQ(quoted("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong form and a surrogate.
  EXPECT_EQ(quoted("a\x80z"), "\"a\xEF\xBF\xBDz\"");
  EXPECT_EQ(quoted("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  // Whatever the bytes, a JSON parser accepts the result and gets the valid text back.
  std::string out;
  JsonWriter w(out);
  w.beginObject().key("k\xFF").value(std::string_view("v\0w", 3)).endObject();
  auto obj = Poco::JSON::Parser().parse(out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(obj->getValue<std::string>("k\xEF\xBF\xBD"), std::string("v\0w", 3));
}

}  // namespace
}  // namespace cc::common
