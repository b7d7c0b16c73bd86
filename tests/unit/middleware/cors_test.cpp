#include "middleware/cors.h"

#include <gtest/gtest.h>

#include "http/error_envelope.h"
#include "http/pipeline.h"

namespace cc::middleware {
namespace {

constexpr const char* kAllowed = "https://dash.example.com";

CorsPolicy policyOf(const std::vector<std::string>& origins) { return CorsPolicy(origins); }

class CorsTest : public ::testing::Test {
 protected:
  CorsTest() : router_(std::make_shared<http::Router>()) {
    auto ok = [](http::RequestContext&) { return http::Reply::json(200, "{}"); };
    router_->add("GET", "/api/agents", ok);
    router_->add("POST", "/api/agents", ok);
    router_->add("GET", "/health", ok);
  }

  // One request through the stage alone: its own answer, or a handler's `status` with the
  // stage's onReply applied, as the pipeline does.
  http::Reply pass(CorsStage& stage, const std::string& method, const std::string& path,
                   std::map<std::string, std::string> headers, int status = 200) {
    http::RequestContext ctx;
    ctx.method = method;
    ctx.path = path;
    ctx.request_id = "r1";
    ctx.header_copies = std::move(headers);
    std::optional<http::Reply> early = stage.onRequest(ctx, nullptr);
    http::Reply reply = early ? *early : http::Reply::json(status, "{}");
    stage.onReply(ctx, reply);
    return reply;
  }

  double count(const std::string& decision) {
    return registry_.counterFamily("controlcenter_cors_requests_total", "", {"decision"})
        .labels({decision})
        .value();
  }

  static std::map<std::string, std::string> preflight(const std::string& origin) {
    return {{"origin", origin},
            {"access-control-request-method", "POST"},
            {"access-control-request-headers", "authorization, content-type"}};
  }

  std::shared_ptr<http::Router> router_;
  metrics::Registry registry_;
};

TEST_F(CorsTest, DisabledByDefaultAndThenAddsNothing) {
  CorsStage stage(router_, CorsPolicy(), registry_);
  EXPECT_FALSE(stage.policy().enabled());
  http::Reply preflight_reply = pass(stage, "OPTIONS", "/api/agents", preflight(kAllowed));
  EXPECT_EQ(preflight_reply.status, 200) << "the stage let the preflight through";
  http::Reply actual = pass(stage, "GET", "/api/agents", {{"origin", kAllowed}});
  EXPECT_TRUE(actual.headers.empty());
  EXPECT_EQ(count("preflight"), 0);
  EXPECT_EQ(count("allowed"), 0);
}

TEST_F(CorsTest, APreflightFromAnAllowedOriginIsAnsweredWithThePathsMethods) {
  CorsStage stage(router_, policyOf({kAllowed, "http://localhost:3000"}), registry_);
  http::Reply reply = pass(stage, "OPTIONS", "/api/agents", preflight(kAllowed));
  EXPECT_EQ(reply.status, 204);
  EXPECT_EQ(*reply.header("Access-Control-Allow-Origin"), kAllowed);
  EXPECT_EQ(*reply.header("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(*reply.header("Access-Control-Allow-Headers"), CorsStage::kAllowHeaders);
  EXPECT_EQ(*reply.header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(*reply.header("Vary"), "Origin");
  EXPECT_EQ(count("preflight"), 1);
}

TEST_F(CorsTest, OriginsCompareCaseInsensitivelyAndEchoTheRequestsOrigin) {
  CorsStage stage(router_, policyOf({"https://Dash.Example.com"}), registry_);
  http::Reply reply = pass(stage, "GET", "/api/agents", {{"origin", kAllowed}});
  EXPECT_EQ(*reply.header("Access-Control-Allow-Origin"), kAllowed);
}

TEST_F(CorsTest, APreflightFromAnotherOriginIsRefusedWithoutCorsHeaders) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  http::Reply reply = pass(stage, "OPTIONS", "/api/agents", preflight("https://evil.example"));
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.error_code, common::ErrorCode::kForbidden);
  EXPECT_NE(reply.body.find("https://evil.example"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(reply.header("Access-Control-Allow-Methods"), nullptr);
  EXPECT_EQ(count("preflight_refused"), 1);
  EXPECT_EQ(count("preflight"), 0);
}

TEST_F(CorsTest, APreflightOfAnUnknownPathIs404) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  http::Reply reply = pass(stage, "OPTIONS", "/api/nothing", preflight(kAllowed));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.error_code, common::ErrorCode::kNotFound);
}

TEST_F(CorsTest, AnswersToAnAllowedOriginCarryTheHeadersErrorsIncluded) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  for (int status : {200, 401, 429, 503}) {
    http::Reply reply = pass(stage, "GET", "/api/agents", {{"origin", kAllowed}}, status);
    ASSERT_NE(reply.header("Access-Control-Allow-Origin"), nullptr) << status;
    EXPECT_EQ(*reply.header("Access-Control-Allow-Origin"), kAllowed);
    EXPECT_EQ(*reply.header("Access-Control-Expose-Headers"), CorsStage::kExposeHeaders);
    EXPECT_EQ(*reply.header("Vary"), "Origin");
  }
  EXPECT_EQ(count("allowed"), 4);
}

TEST_F(CorsTest, AnswersToOtherOriginsCarryNoCorsHeadersButVary) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  http::Reply other = pass(stage, "GET", "/api/agents", {{"origin", "https://evil.example"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(other.header("Access-Control-Expose-Headers"), nullptr);
  EXPECT_EQ(*other.header("Vary"), "Origin") << "a shared cache must not mix origins";
  http::Reply none = pass(stage, "GET", "/api/agents", {});
  EXPECT_EQ(none.header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(count("refused"), 1);
  EXPECT_EQ(count("allowed"), 0);
}

TEST_F(CorsTest, AStarAllowsEveryOriginWithoutVary) {
  CorsStage stage(router_, policyOf({"*"}), registry_);
  http::Reply reply = pass(stage, "GET", "/api/agents", {{"origin", "https://any.example"}});
  EXPECT_EQ(*reply.header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(reply.header("Vary"), nullptr);
  EXPECT_EQ(pass(stage, "OPTIONS", "/health", preflight("https://any.example")).status, 204);
}

TEST_F(CorsTest, APlainOptionsWithoutRequestMethodIsNotAPreflight) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  http::Reply reply = pass(stage, "OPTIONS", "/api/agents", {{"origin", kAllowed}});
  EXPECT_EQ(reply.status, 200) << "left to the pipeline";
  EXPECT_EQ(count("preflight"), 0);
}

TEST_F(CorsTest, ANewPolicyAppliesToTheNextRequest) {
  CorsStage stage(router_, policyOf({kAllowed}), registry_);
  stage.setPolicy(policyOf({"https://other.example"}));
  EXPECT_EQ(pass(stage, "OPTIONS", "/api/agents", preflight(kAllowed)).status, 403);
  EXPECT_EQ(pass(stage, "OPTIONS", "/api/agents", preflight("https://other.example")).status, 204);
}

// In the pipeline before authentication: the preflight needs no token, the actual request
// still does, and its 401 carries the CORS headers so the page can read it.
TEST_F(CorsTest, InThePipelineAPreflightNeedsNoTokenAndA401CarriesTheHeaders) {
  http::Pipeline pipeline(router_);
  pipeline.use(std::make_shared<CorsStage>(router_, policyOf({kAllowed}), registry_));
  class RefuseEveryone final : public http::Middleware {
   public:
    std::optional<http::Reply> onRequest(http::RequestContext& ctx, const http::Route*) override {
      return http::errorReply({common::ErrorCode::kUnauthorized, "no token", {}, 0},
                              ctx.request_id);
    }
  };
  pipeline.use(std::make_shared<RefuseEveryone>());
  http::RequestContext pre;
  pre.method = "OPTIONS";
  pre.path = "/api/agents";
  pre.header_copies = preflight(kAllowed);
  EXPECT_EQ(pipeline.handle(pre).status, 204);
  http::RequestContext get;
  get.method = "GET";
  get.path = "/api/agents";
  get.header_copies = {{"origin", kAllowed}};
  http::Reply refused = pipeline.handle(get);
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(*refused.header("Access-Control-Allow-Origin"), kAllowed);
}

// What the connection answers before the chain (413, 408, a malformed target) is readable by
// the page too.
TEST_F(CorsTest, AnAnswerTheConnectionGaveEarlyCarriesTheHeaders) {
  http::Pipeline pipeline(router_);
  pipeline.use(std::make_shared<CorsStage>(router_, policyOf({kAllowed}), registry_));
  http::RequestContext ctx;
  ctx.method = "POST";
  ctx.path = "/api/agents";
  ctx.header_copies = {{"origin", kAllowed}};
  http::Reply too_large = pipeline.finishEarly(
      ctx, http::errorReply({common::ErrorCode::kPayloadTooLarge, "too large", {}, 0}, "r1"));
  EXPECT_EQ(too_large.status, 413);
  ASSERT_NE(too_large.header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(*too_large.header("Access-Control-Allow-Origin"), kAllowed);
}

}  // namespace
}  // namespace cc::middleware
