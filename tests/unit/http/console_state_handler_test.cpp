#include "http/handlers/console_state_handler.h"

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <memory>

#include "config/config.h"
#include "metrics/registry.h"
#include "unit/http/domain_api_fixture.h"

namespace cc::http::testing {
namespace {

// The console's state route over the real store, breaker, limiter and cache; the fixture's
// middleware authenticates the tokens through the real TokenService.
class ConsoleStateTest : public DomainApiFixture {
 protected:
  void SetUp() override {
    DomainApiFixture::SetUp();
    auto loaded = config::ConfigLoader::load("", {});
    ASSERT_TRUE(loaded.ok());
    config::Problems problems;
    auto limits = middleware::RateLimitConfig::fromConfig(*loaded.config, problems);
    ASSERT_TRUE(problems.empty());
    rate_limit_ = std::make_unique<middleware::RateLimitStage>(
        std::make_shared<middleware::RateLimiter>(limits, clock_), metrics_);
    cache_ = std::make_unique<middleware::ResponseCache>(
        std::make_shared<middleware::ResponseCacheConfig>(), clock_);
    breaker::BreakerConfig trips_at_once;
    trips_at_once.failure_threshold = 1;
    breaker_ = std::make_unique<breaker::CircuitBreaker>("db", trips_at_once, clock_);
    health_.add(
        "store",
        [] {
          return health::CheckResult{health::HealthStatus::kPass, "reachable"};
        },
        true);
    health_.setStarted(true);
    extra_routes_ = [this](Router& router) {
      handlers::addConsoleStateRoute(router, {health_, std::chrono::steady_clock::now(),
                                              *rate_limit_, *cache_, *breaker_, services_->store});
    };
    start();
  }

  metrics::Registry metrics_;
  health::HealthRegistry health_;
  std::unique_ptr<middleware::RateLimitStage> rate_limit_;
  std::unique_ptr<middleware::ResponseCache> cache_;
  std::unique_ptr<breaker::CircuitBreaker> breaker_;
};

TEST_F(ConsoleStateTest, WithoutATokenIs401) {
  Response r = call("GET", "/api/console/state", {}, {{"X-Test-Role", ""}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(r.errorCode(), "unauthorized");
}

TEST_F(ConsoleStateTest, AViewerIsRefused) {
  std::string token = loginAs("victor", "viewer-password", domain::Role::kViewer);
  Response r = call("GET", "/api/console/state", {},
                    {{"X-Test-Role", ""}, {"Authorization", "Bearer " + token}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.errorCode(), "forbidden");
  EXPECT_EQ(r.json()->has("health"), false);
}

TEST_F(ConsoleStateTest, AnAdminGetsEachPartAsTheAdminApiShowsIt) {
  breaker_->onFailure(breaker_->allow());
  std::string token = loginAs("alice", "admin-password", domain::Role::kAdmin);
  Response r = call("GET", "/api/console/state", {},
                    {{"X-Test-Role", ""}, {"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto state = r.json();

  auto health = state->getObject("health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->getValue<std::string>("status"), "pass");
  EXPECT_EQ(health->getObject("checks")->getObject("store")->getValue<std::string>("output"),
            "reachable");

  auto breakers = state->getArray("breakers");
  ASSERT_TRUE(breakers);
  ASSERT_EQ(breakers->size(), 1u);
  EXPECT_EQ(breakers->getObject(0)->getValue<std::string>("name"), "db");
  EXPECT_EQ(breakers->getObject(0)->getValue<std::string>("state"), "open");
  EXPECT_EQ(breakers->getObject(0)->getValue<int64_t>("failures"), 1);

  auto limits = state->getObject("ratelimit");
  ASSERT_TRUE(limits);
  EXPECT_EQ(limits->getValue<std::string>("mode"), "enforce");
  ASSERT_TRUE(limits->getArray("rules"));
  EXPECT_GT(limits->getArray("rules")->size(), 0u);

  auto cache = state->getObject("cache");
  ASSERT_TRUE(cache);
  EXPECT_TRUE(cache->has("hits"));
  EXPECT_TRUE(cache->has("entries"));

  auto pool = state->getObject("pool");
  ASSERT_TRUE(pool);
  EXPECT_TRUE(pool->has("in_use"));
  EXPECT_TRUE(pool->getObject("writer"));
  EXPECT_TRUE(pool->getObject("checkpoints"));
}

}  // namespace
}  // namespace cc::http::testing
