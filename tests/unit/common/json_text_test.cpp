#include "common/json_text.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace cc::common {
namespace {

std::string roundTrip(const std::string& bytes) {
  Poco::JSON::Parser parser;  // Poco parses objects and arrays, not a bare string
  auto array = parser.parse("[" + jsonString(bytes) + "]").extract<Poco::JSON::Array::Ptr>();
  return array->getElement<std::string>(0);
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(jsonString("a\"b\\c\n\r\t"), R"("a\"b\\c\n\r\t")");
  EXPECT_EQ(jsonString(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
  EXPECT_EQ(roundTrip("x\"y\\z\n"), "x\"y\\z\n");
}

TEST(JsonTextTest, KeepsWellFormedUtf8) {
  const std::string text = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
  EXPECT_EQ(jsonString(text), "\"" + text + "\"");
  EXPECT_EQ(roundTrip(text), text);
}

TEST(JsonTextTest, ReplacesIllFormedUtf8SoTheResultStaysValidJson) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(roundTrip("\x80"), replacement) << "stray continuation byte";
  EXPECT_EQ(roundTrip("\xC0\xAF"), replacement + replacement) << "overlong slash";
  EXPECT_EQ(roundTrip("\xED\xA0\x80"), replacement + replacement + replacement) << "surrogate";
  EXPECT_EQ(roundTrip("\xF4\x90\x80\x80"),
            std::string(replacement) + replacement + replacement + replacement)
      << "past U+10FFFF";
  EXPECT_EQ(roundTrip("ok\xE2\x82"), "ok" + replacement + replacement) << "truncated";
}

TEST(JsonTextTest, Utf8SequenceLengthNamesEachForm) {
  EXPECT_EQ(utf8SequenceLength("a", 0), 1u);
  EXPECT_EQ(utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8SequenceLength("\xE2\x82\xAC", 0), 3u);
  EXPECT_EQ(utf8SequenceLength("\xF0\x9F\x98\x80", 0), 4u);
  EXPECT_EQ(utf8SequenceLength("\xC1\x81", 0), 0u);
  EXPECT_EQ(utf8SequenceLength("\xE0\x80\x80", 0), 0u);
  EXPECT_EQ(utf8SequenceLength("\xF0\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8SequenceLength("\xF5\x80\x80\x80", 0), 0u);
  EXPECT_EQ(utf8SequenceLength("\xE2\x82", 0), 0u);
}

TEST(JsonTextTest, CheckJsonTextNamesItsSubject) {
  EXPECT_TRUE(checkJsonText(R"({"a":[1,{"b":"\u00e9"}]})").ok());
  auto nul = checkJsonText(std::string("{\"a\":\"x\0\"}", 10), kMaxJsonDepth, "line");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().message, "line contains a NUL byte");
  auto utf8 = checkJsonText("{\"a\":\"\xC0\xAF\"}");
  ASSERT_FALSE(utf8.ok());
  EXPECT_EQ(utf8.error().message, "request body is not valid UTF-8");
  EXPECT_FALSE(checkJsonText("[[[[", 3).ok());
  EXPECT_TRUE(checkJsonText("[[[", 3).ok());
}

}  // namespace
}  // namespace cc::common
