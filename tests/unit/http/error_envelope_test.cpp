#include "http/error_envelope.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

namespace cc::http {
namespace {

Poco::JSON::Object::Ptr parse(const std::string& body) {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>()->getObject("error");
}

TEST(ErrorEnvelopeTest, CarriesStatusCodeMessageAndRequestId) {
  Reply r = errorReply(common::Error::notFound("no agent 7"), "req-1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.error_code, "not_found");
  auto e = parse(r.body);
  EXPECT_EQ(e->getValue<int>("status"), 404);
  EXPECT_EQ(e->getValue<std::string>("code"), "not_found");
  EXPECT_EQ(e->getValue<std::string>("message"), "no agent 7");
  EXPECT_EQ(e->getValue<std::string>("request_id"), "req-1");
  EXPECT_FALSE(e->has("field"));
  EXPECT_EQ(r.header("Retry-After"), nullptr);
}

TEST(ErrorEnvelopeTest, NamesTheFieldAndAsksToRetry) {
  Reply invalid = errorReply(common::Error::invalid("name", "too long"), "r");
  EXPECT_EQ(invalid.status, 400);
  EXPECT_EQ(parse(invalid.body)->getValue<std::string>("field"), "name");
  Reply busy = errorReply(
      common::Error::unavailable(common::ErrorCode::kDbPoolExhausted, "pool busy", 2), "r");
  EXPECT_EQ(busy.status, 503);
  ASSERT_NE(busy.header("Retry-After"), nullptr);
  EXPECT_EQ(*busy.header("Retry-After"), "2");
}

TEST(ErrorEnvelopeTest, EveryCodeHasAStatusAndAStableName) {
  for (int c = 0; c <= static_cast<int>(common::ErrorCode::kInsufficientStorage); ++c) {
    auto code = static_cast<common::ErrorCode>(c);
    int status = common::httpStatus(code);
    EXPECT_GE(status, 400);
    EXPECT_LT(status, 600);
    std::string name(common::codeName(code));
    EXPECT_FALSE(name.empty());
    for (char ch : name) EXPECT_TRUE(std::islower(ch) || ch == '_') << name;
  }
  EXPECT_EQ(common::httpStatus(common::ErrorCode::kRateLimited), 429);
  EXPECT_EQ(common::codeName(common::ErrorCode::kTimeout), "timeout");
}

TEST(ErrorEnvelopeTest, MessagesAreEscapedIntoValidJson) {
  std::string nasty = std::string("quote \" backslash \\ newline \n ctrl \x01 bad utf8 \xff end");
  Reply r = errorReply(common::Error::badRequest(nasty), "id");
  auto e = parse(r.body);  // throws if the JSON were invalid
  std::string message = e->getValue<std::string>("message");
  EXPECT_NE(message.find("quote \" backslash \\ newline \n ctrl \x01"), std::string::npos);
  EXPECT_NE(message.find("\xEF\xBF\xBD"), std::string::npos) << "invalid UTF-8 is replaced";
}

}  // namespace
}  // namespace cc::http
