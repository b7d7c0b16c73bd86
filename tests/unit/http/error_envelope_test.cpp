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
  EXPECT_EQ(r.error_code, common::ErrorCode::kNotFound);
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

TEST(ErrorEnvelopeTest, RawResponsesCarryTheSameEnvelopeInAWholeAnswer) {
  // Before a request is parsed: a Date, no Retry-After.
  std::string early = rawErrorResponse({common::ErrorCode::kRequestTimeout, "slow", {}, 0}, "abc",
                                       "Thu, 03 Dec 2026 08:00:00 GMT");
  std::string early_body = errorBody({common::ErrorCode::kRequestTimeout, "slow", {}, 0}, "abc");
  EXPECT_EQ(early,
            "HTTP/1.1 408 Request Time-out\r\nContent-Type: application/json\r\n"
            "Connection: close\r\nDate: Thu, 03 Dec 2026 08:00:00 GMT\r\nContent-Length: " +
                std::to_string(early_body.size()) + "\r\n\r\n" + early_body);
  EXPECT_EQ(parse(early_body)->getValue<std::string>("code"), "request_timeout");

  // At accept: Retry-After, no Date.
  common::Error busy = common::Error::unavailable(common::ErrorCode::kRateLimited, "too many");
  std::string refused = rawErrorResponse(busy, "-", {});
  EXPECT_EQ(refused,
            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
            "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                std::to_string(errorBody(busy, "-").size()) + "\r\n\r\n" + errorBody(busy, "-"));
  EXPECT_EQ(errorBody(busy, "-"), errorReply(busy, "-").body);
}

}  // namespace
}  // namespace cc::http
