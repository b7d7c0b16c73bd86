#include "http/request_context.h"

#include <gtest/gtest.h>

#include <string>

namespace cc::http {
namespace {

RequestContext built(const std::string& method, std::map<std::string, std::string> headers,
                     const ClientResolver& resolver = {}) {
  RequestContext ctx;
  ctx.method = method;
  ctx.peer_ip = "10.0.0.1";
  ctx.header_copies = std::move(headers);
  ctx.normalise(resolver);
  return ctx;
}

TEST(RequestContextTest, HeadIsRoutedAsGetAndEveryOtherMethodAsSent) {
  EXPECT_EQ(routingMethod("HEAD"), "GET");
  EXPECT_EQ(routingMethod("GET"), "GET");
  EXPECT_EQ(routingMethod("OPTIONS"), "OPTIONS");
  EXPECT_EQ(routingMethod("head"), "head") << "methods are case-sensitive";
  RequestContext head = built("HEAD", {});
  EXPECT_EQ(head.method, "HEAD");
  EXPECT_EQ(head.routing_method, "GET");
  EXPECT_EQ(built("POST", {}).routing_method, "POST");
}

TEST(RequestContextTest, TheBearerTokenIsParsedOnce) {
  EXPECT_EQ(bearerToken("Bearer abc"), "abc");
  EXPECT_EQ(bearerToken("bearer   abc"), "abc") << "scheme case-insensitive, spaces skipped";
  EXPECT_EQ(bearerToken("Bearer "), "");
  EXPECT_EQ(bearerToken("Basic abc"), "");
  EXPECT_EQ(bearerToken("Bearerabc"), "");
  EXPECT_EQ(built("GET", {{"authorization", "Bearer tok-1"}}).bearer_token, "tok-1");
  EXPECT_EQ(built("GET", {}).bearer_token, "");
}

TEST(RequestContextTest, TheClientIsThePeerUnlessAResolverBelievesXForwardedFor) {
  int calls = 0;
  ClientResolver resolver = [&calls](const std::string& peer, const std::string& xff) {
    ++calls;
    return peer + "<" + xff;
  };
  EXPECT_EQ(built("GET", {{"x-forwarded-for", "1.2.3.4"}}).client_ip, "10.0.0.1")
      << "no resolver: X-Forwarded-For is not believed";
  EXPECT_EQ(built("GET", {}, resolver).client_ip, "10.0.0.1");
  EXPECT_EQ(calls, 0) << "no header, nothing to resolve";
  RequestContext proxied = built("GET", {{"x-forwarded-for", "1.2.3.4"}}, resolver);
  EXPECT_EQ(proxied.client_ip, "10.0.0.1<1.2.3.4");
  EXPECT_EQ(proxied.peer_ip, "10.0.0.1");
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cc::http
