#include "http/router.h"

#include <gtest/gtest.h>

namespace cc::http {
namespace {

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto named = [](const char* name) {
      return [name](RequestContext&) { return Reply::json(200, name); };
    };
    router_.add("GET", "/api/agents", named("list"));
    router_.add("POST", "/api/agents", named("create"));
    router_.add("GET", "/api/agents/active", named("active"));
    router_.add("GET", "/api/agents/{id}", named("get"));
    router_.add("DELETE", "/api/agents/{id}", named("delete"));
    router_.add("POST", "/api/agents/{id}/heartbeat", named("heartbeat"));
  }
  std::string run(const RouteMatch& m) {
    RequestContext ctx;
    return m.route->handler(ctx).body;
  }
  Router router_;
};

TEST_F(RouterTest, MatchesMethodAndPathWithParameters) {
  auto m = router_.match("GET", "/api/agents/42");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.status, 0);
  EXPECT_EQ(run(m), "get");
  EXPECT_EQ(m.params.at("id"), "42");
  EXPECT_EQ(m.route->pattern, "/api/agents/{id}");
  auto hb = router_.match("POST", "/api/agents/7/heartbeat");
  ASSERT_NE(hb.route, nullptr);
  EXPECT_EQ(hb.params.at("id"), "7");
}

TEST_F(RouterTest, LiteralSegmentBeatsAParameter) {
  auto m = router_.match("GET", "/api/agents/active");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(run(m), "active");
}

TEST_F(RouterTest, UnknownPathIs404) {
  EXPECT_EQ(router_.match("GET", "/api/nothing").status, 404);
  EXPECT_EQ(router_.match("GET", "/api/agents/1/2/3").status, 404);
  EXPECT_EQ(router_.match("GET", "/api/agents//heartbeat").status, 404) << "empty parameter";
}

TEST_F(RouterTest, WrongMethodIs405WithTheAllowedMethods) {
  auto m = router_.match("PUT", "/api/agents/9");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD, OPTIONS");
  // A literal route's methods decide, not a parameter route's that would also match.
  EXPECT_EQ(router_.match("DELETE", "/api/agents/active").status, 405);
}

TEST_F(RouterTest, HeadIsServedByGetAndOptionsListsMethods) {
  auto head = router_.match("HEAD", "/api/agents");
  ASSERT_NE(head.route, nullptr);
  EXPECT_EQ(run(head), "list");
  auto options = router_.match("OPTIONS", "/api/agents");
  EXPECT_TRUE(options.options_request);
  EXPECT_EQ(options.allow, "GET, HEAD, OPTIONS, POST");
}

TEST_F(RouterTest, PatternsMustBeAbsolute) {
  EXPECT_THROW(router_.add("GET", "api/x", [](RequestContext&) { return Reply(); }),
               std::invalid_argument);
}

TEST(SplitPathTest, KeepsEmptySegments) {
  EXPECT_EQ(splitPath("/"), std::vector<std::string>{});
  EXPECT_EQ(splitPath("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(splitPath("/a//b/"), (std::vector<std::string>{"a", "", "b", ""}));
}

}  // namespace
}  // namespace cc::http

#include "http/pipeline.h"

namespace cc::http {
namespace {

TEST(PipelineTest, ARouteBudgetReplacesTheDefaultDeadline) {
  auto router = std::make_shared<Router>();
  RouteOptions slow;
  slow.timeout_ms = 300000;
  common::SteadyTime seen{};
  router->add(
      "POST", "/slow",
      [&seen](RequestContext& ctx) {
        seen = ctx.deadline;
        return Reply::noContent();
      },
      slow);
  router->add("GET", "/fast", [&seen](RequestContext& ctx) {
    seen = ctx.deadline;
    return Reply::noContent();
  });
  Pipeline pipeline(router);
  RequestContext ctx;
  ctx.started = common::SteadyTime(std::chrono::seconds(100));
  ctx.deadline = ctx.started + std::chrono::seconds(10);
  ctx.method = "POST";
  ctx.path = "/slow";
  pipeline.handle(ctx);
  EXPECT_EQ(seen, ctx.started + std::chrono::milliseconds(300000));
  RequestContext fast = RequestContext();
  fast.started = ctx.started;
  fast.deadline = ctx.started + std::chrono::seconds(10);
  fast.method = "GET";
  fast.path = "/fast";
  pipeline.handle(fast);
  EXPECT_EQ(seen, fast.started + std::chrono::seconds(10));
}

}  // namespace
}  // namespace cc::http
