#include "http/json_body.h"

#include <gtest/gtest.h>

namespace cc::http {
namespace {

class JsonBodyTest : public ::testing::Test {
 protected:
  static bool accepted(const std::string& text) { return checkJsonText(text).ok(); }
  static common::Result<Poco::JSON::Object::Ptr> parse(const std::string& body) {
    RequestContext ctx;
    ctx.header_copies["content-type"] = "application/json";
    ctx.body = body;
    return parseJsonObject(ctx);
  }
};

TEST_F(JsonBodyTest, AcceptsWellFormedMultiByteCharacters) {
  EXPECT_TRUE(accepted("{\"n\":\"caf\xC3\xA9\"}"));                        // U+00E9
  EXPECT_TRUE(accepted("{\"n\":\"\xE2\x9C\x93 \xED\x9F\xBF\"}"));          // U+2713, U+D7FF
  EXPECT_TRUE(accepted("{\"n\":\"\xF0\x9F\x9A\x80 \xF4\x8F\xBF\xBF\"}"));  // U+1F680, U+10FFFF
  auto parsed = parse("{\"name\":\"caf\xC3\xA9\"}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)->getValue<std::string>("name"), "caf\xC3\xA9");
}

// Found by tests/fuzz/json_body_fuzz (corpus: crash-overlong-utf8): overlong forms passed.
TEST_F(JsonBodyTest, RejectsOverlongEncodings) {
  EXPECT_FALSE(accepted("{\"n\":\"\xC0\xAF\"}"));  // '/' in two bytes
  EXPECT_FALSE(accepted("{\"n\":\"\xC0\x80\"}"));  // NUL in two bytes
  EXPECT_FALSE(accepted("{\"n\":\"\xC1\xBF\"}"));
  EXPECT_FALSE(accepted("{\"n\":\"\xE0\x80\xAF\"}"));      // '/' in three bytes
  EXPECT_FALSE(accepted("{\"n\":\"\xF0\x80\x80\xAF\"}"));  // '/' in four bytes
  auto parsed = parse("{\"name\":\"a\xC0\x80z\"}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, common::ErrorCode::kBadRequest);
  EXPECT_EQ(parsed.error().message, "request body is not valid UTF-8");
}

TEST_F(JsonBodyTest, RejectsSurrogatesAndCodePointsPastUnicode) {
  EXPECT_FALSE(accepted("{\"n\":\"\xED\xA0\x80\"}"));      // U+D800
  EXPECT_FALSE(accepted("{\"n\":\"\xED\xBF\xBF\"}"));      // U+DFFF
  EXPECT_FALSE(accepted("{\"n\":\"\xF4\x90\x80\x80\"}"));  // U+110000
  EXPECT_FALSE(accepted("{\"n\":\"\xF5\x80\x80\x80\"}"));
  EXPECT_FALSE(accepted("{\"n\":\"\xF8\x88\x80\x80\x80\"}"));
}

TEST_F(JsonBodyTest, RejectsTruncatedSequencesNulAndDeepNesting) {
  EXPECT_FALSE(accepted("\"\xE2\x9C"));
  EXPECT_FALSE(accepted("\"\xE2\x9C\""));
  EXPECT_FALSE(accepted("\"\x80\""));
  EXPECT_FALSE(accepted(std::string("{\"a\":\"\0\"}", 9)));
  EXPECT_TRUE(accepted(std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']')));
  EXPECT_FALSE(accepted(std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')));
}

}  // namespace
}  // namespace cc::http
