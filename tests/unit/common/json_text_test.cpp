#include "common/json_text.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

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

// Records every member the scan reports, refusing the one named `refuse`.
struct SeenMembers {
  std::vector<std::pair<std::string, std::size_t>> seen;
  std::string refuse;
  JsonMemberCheck check() {
    return [this](std::string_view name, std::size_t bytes) -> Status {
      seen.emplace_back(std::string(name), bytes);
      if (name == refuse) return Error::invalid(std::string(name), "refused");
      return Ok{};
    };
  }
};

TEST(JsonTextTest, MemberCheckSeesEachTopLevelMemberWithItsSizeAsSentWithoutWhitespace) {
  SeenMembers m;
  const std::string text = R"( { "a" : 1 , "b":{"x": [1, 2], "y":"s p"} ,"c" : "q\"," } )";
  ASSERT_TRUE(checkJsonText(text, kMaxJsonDepth, "request body", m.check()).ok());
  const std::vector<std::pair<std::string, std::size_t>> want = {
      {"a", 1}, {"b", std::string(R"({"x":[1,2],"y":"s p"})").size()}, {"c", 6}};
  EXPECT_EQ(m.seen, want);
}

TEST(JsonTextTest, MemberCheckStopsAtTheFirstRefusedMemberBeforeTheRestIsLookedAt) {
  SeenMembers m;
  m.refuse = "big";
  // The text after the refused member is not even JSON: the scan never reaches it.
  const std::string text = R"({"a":1,"big":{"k":")" + std::string(100000, 'v') + R"("},"c":)";
  auto st = checkJsonText(text + "\x01 not json", kMaxJsonDepth, "request body", m.check());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().field, "big");
  ASSERT_EQ(m.seen.size(), 2u);
  EXPECT_EQ(m.seen[1].second, std::size_t{100000} + 8);
}

TEST(JsonTextTest, MemberNamesAreDecodedAsAParserReadsThem) {
  SeenMembers m;
  ASSERT_TRUE(checkJsonText(R"({"n\u0061me":1,"\ud83d\ude00":2,"q\"t":3,"caf\u00e9":4})",
                            kMaxJsonDepth, "request body", m.check())
                  .ok());
  ASSERT_EQ(m.seen.size(), 4u);
  EXPECT_EQ(m.seen[0].first, "name");
  EXPECT_EQ(m.seen[1].first, "\xF0\x9F\x98\x80");
  EXPECT_EQ(m.seen[2].first, "q\"t");
  EXPECT_EQ(m.seen[3].first, "caf\xC3\xA9");
}

TEST(JsonTextTest, MemberCheckIgnoresNestedMembersAndTopLevelArrays) {
  SeenMembers m;
  ASSERT_TRUE(checkJsonText(R"([{"a":1},{"b":2}])", kMaxJsonDepth, "request body", m.check()).ok());
  EXPECT_TRUE(m.seen.empty());
  ASSERT_TRUE(checkJsonText(R"({"o":{"inner":1}})", kMaxJsonDepth, "request body", m.check()).ok());
  ASSERT_EQ(m.seen.size(), 1u);
  EXPECT_EQ(m.seen[0].first, "o");
  m.seen.clear();
  ASSERT_TRUE(checkJsonText("{}", kMaxJsonDepth, "request body", m.check()).ok());
  EXPECT_TRUE(m.seen.empty());
}

}  // namespace
}  // namespace cc::common
