#include "shared_state/redis_bucket_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>

#include "config/config.h"
#include "middleware/rate_limiter.h"
#include "support/throwaway_redis.h"

namespace cc::shared_state {
namespace {

using middleware::BucketLimit;
using middleware::BucketStore;
using middleware::BucketTake;

std::string envValue(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// The shared test server's settings; configured == false when scripts/test.sh did not start one.
RedisSettings sharedServer() {
  RedisSettings s;
  const std::string url = envValue("CC_TEST_REDIS_URL");
  const std::string file = envValue("CC_TEST_REDIS_PASSWORD_FILE");
  if (url.empty() || file.empty()) return s;
  s.url = *parseRedisUrl(url);
  std::ifstream in(file);
  std::getline(in, s.password);
  s.configured = true;
  s.timeout = std::chrono::milliseconds(1000);
  return s;
}

RedisSettings throwawayServer(const cc::testing::ThrowawayRedis& redis) {
  RedisSettings s;
  s.url = *parseRedisUrl(redis.url());
  s.password = redis.password();
  s.configured = true;
  return s;
}

// Every test its own keys on the shared server.
std::string freshPrefix() {
  std::random_device random;
  return "cc:test:rl:" + std::to_string(random()) + std::to_string(random()) + ":";
}

// One daemon's view of a Redis: its pool, registry and backend.
struct Daemon {
  Daemon(const RedisSettings& settings, RedisFailureMode mode, const common::Clock& clock,
         const std::string& prefix)
      : pool(std::make_shared<RedisPool>(settings, clock, RedisPool::Options{})),
        backend(std::make_shared<RedisRateLimitBackend>(pool, mode, clock, registry, prefix)) {}
  std::shared_ptr<BucketStore> store(const std::string& rule, std::size_t max_keys = 100) {
    middleware::RateLimitRule r;
    r.name = rule;
    return backend->storeFactory()(r, max_keys);
  }
  metrics::Registry registry;
  std::shared_ptr<RedisPool> pool;
  std::shared_ptr<RedisRateLimitBackend> backend;
};

// The rate limit configuration of built-in defaults plus `defines`, checked.
std::shared_ptr<const middleware::RateLimitConfig> limitsOf(
    const config::ConfigLoader::Defines& defines) {
  auto loaded = config::ConfigLoader::load("", defines);
  EXPECT_TRUE(loaded.ok());
  config::Problems problems;
  auto cfg = middleware::RateLimitConfig::fromConfig(*loaded.config, problems);
  EXPECT_TRUE(problems.empty());
  return cfg;
}

middleware::RequestInfo apiRequest() {
  middleware::RequestInfo request;
  request.method = "GET";
  request.path = "/api/x";
  request.client_ip = "198.51.100.9";
  return request;
}

// One token an hour, three back to back: nothing refills during a test.
const BucketLimit kHourly{1, 3600, 3};

// The same behaviour from the in-process store and from Redis.
class BucketStoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "redis") {
      settings_ = sharedServer();
      if (!settings_.configured) GTEST_SKIP() << "CC_TEST_REDIS_* are unset (scripts/test.sh)";
      daemon_ =
          std::make_unique<Daemon>(settings_, RedisFailureMode::kClosed, clock_, freshPrefix());
    }
  }
  std::shared_ptr<BucketStore> make(std::size_t max_keys = 100) {
    if (daemon_) return daemon_->store("contract", max_keys);
    return std::make_shared<middleware::ShardedLruBucketStore>(max_keys, 1);
  }
  common::FakeClock clock_;
  RedisSettings settings_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_P(BucketStoreContractTest, ABurstOfNAdmitsNThenRejectsWithTheRetryTime) {
  auto store = make();
  for (int i = 0; i < 3; ++i) {
    BucketTake t = store->take("client", kHourly, clock_.now());
    ASSERT_TRUE(t.admitted) << i;
    EXPECT_FALSE(t.undecided);
    EXPECT_EQ(std::floor(t.tokens + 1e-6), 2 - i);
    EXPECT_NEAR(t.full_after_s, 3600.0 * (i + 1), 1.0);
  }
  BucketTake rejected = store->take("client", kHourly, clock_.now());
  EXPECT_FALSE(rejected.admitted);
  EXPECT_FALSE(rejected.undecided);
  EXPECT_LT(rejected.tokens, 1.0);
  EXPECT_NEAR(rejected.retry_after_s, 3600.0, 1.0);
  EXPECT_NEAR(rejected.full_after_s, 3 * 3600.0, 1.0);
  EXPECT_TRUE(store->take("other", kHourly, clock_.now()).admitted) << "a bucket per key";
}

TEST_P(BucketStoreContractTest, EraseForgetsOneKeyAndClearEveryKey) {
  auto store = make();
  for (int i = 0; i < 4; ++i) store->take("a", kHourly, clock_.now());
  store->take("b", kHourly, clock_.now());
  EXPECT_EQ(store->size(), 2u);
  auto erased = store->erase("a");
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_TRUE(*erased);
  EXPECT_FALSE(*store->erase("a"));
  EXPECT_TRUE(store->take("a", kHourly, clock_.now()).admitted) << "a full bucket again";
  auto cleared = store->clear();
  ASSERT_TRUE(cleared) << cleared.error().message;
  EXPECT_EQ(*cleared, 2u);
  EXPECT_EQ(store->size(), 0u);
}

TEST_P(BucketStoreContractTest, TopListsTheBusiestKeysFirstWithTheirTokens) {
  auto store = make();
  for (int i = 0; i < 3; ++i) store->take("busy", kHourly, clock_.now());
  store->take("quiet", kHourly, clock_.now());
  auto top = store->top(1, kHourly, clock_.now());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].key, "busy");
  EXPECT_EQ(top[0].requests, 3u);
  EXPECT_NEAR(top[0].tokens, 0.0, 0.01);
  auto both = store->top(10, kHourly, clock_.now());
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1].key, "quiet");
  EXPECT_NEAR(both[1].tokens, 2.0, 0.01);
}

TEST_P(BucketStoreContractTest, NoMoreThanMaxKeysAreHeld) {
  auto store = make(2);
  store->take("a", kHourly, clock_.now());
  store->take("b", kHourly, clock_.now());
  store->take("c", kHourly, clock_.now());
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->evictions(), 1u);
}

INSTANTIATE_TEST_SUITE_P(LocalAndRedis, BucketStoreContractTest,
                         ::testing::Values("local", "redis"),
                         [](const auto& param_info) { return param_info.param; });

class RedisBucketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_ = sharedServer();
    if (!settings_.configured) GTEST_SKIP() << "CC_TEST_REDIS_* are unset (scripts/test.sh)";
  }
  common::FakeClock clock_;
  RedisSettings settings_;
  std::string prefix_ = freshPrefix();
};

TEST_F(RedisBucketStoreTest, TwoDaemonsOnOneRedisShareEachBucketExactly) {
  Daemon one(settings_, RedisFailureMode::kClosed, clock_, prefix_);
  Daemon two(settings_, RedisFailureMode::kClosed, clock_, prefix_);
  auto a = one.store("shared");
  auto b = two.store("shared");
  const BucketLimit ten{1, 3600, 10};
  int admitted = 0;
  for (int i = 0; i < 20; ++i) {
    BucketTake t = (i % 2 == 0 ? a : b)->take("client", ten, clock_.now());
    admitted += t.admitted ? 1 : 0;
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(a->size(), 1u);
  auto top = b->top(1, ten, clock_.now());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].requests, 12u) << "both daemons' requests, up to the first rejection of each";
}

TEST_F(RedisBucketStoreTest, ARejectedKeyIsRejectedLocallyUntilItsRetryTime) {
  Daemon d(settings_, RedisFailureMode::kClosed, clock_, prefix_);
  auto store = d.store("flood");
  for (int i = 0; i < 4; ++i) store->take("client", kHourly, clock_.now());
  EXPECT_EQ(d.backend->counts().decisions, 4u);
  const uint64_t commands = d.pool->stats().borrows;

  for (int i = 0; i < 100; ++i) {
    BucketTake t = store->take("client", kHourly, clock_.now());
    ASSERT_FALSE(t.admitted);
    EXPECT_NEAR(t.retry_after_s, 3600.0, 1.0);
  }
  EXPECT_EQ(d.backend->counts().cached_rejections, 100u);
  EXPECT_EQ(d.pool->stats().borrows, commands) << "a flood costs Redis nothing";

  // At the retry time Redis is asked again (its own clock has not moved: still no token).
  clock_.advance(std::chrono::seconds(3601));
  EXPECT_FALSE(store->take("client", kHourly, clock_.now()).admitted);
  EXPECT_EQ(d.backend->counts().decisions, 5u);

  // A reset on this daemon forgets its cached rejection too.
  ASSERT_TRUE(*store->erase("client"));
  EXPECT_TRUE(store->take("client", kHourly, clock_.now()).admitted);
}

TEST_F(RedisBucketStoreTest, TheRateLimiterAnswersWithRedisNumbers) {
  auto cfg = limitsOf({{"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.paths", "/api/*"},
                       {"ratelimit.rule.api.rate", "1/h"},
                       {"ratelimit.rule.api.burst", "2"}});
  Daemon d(settings_, RedisFailureMode::kClosed, clock_, prefix_);
  middleware::RateLimiter limiter(cfg, clock_, nullptr, d.backend->storeFactory());
  const middleware::RequestInfo request = apiRequest();
  auto first = limiter.decide(request);
  EXPECT_EQ(first.action, middleware::RateAction::kPass);
  EXPECT_EQ(first.rateLimitHeader(), "\"api\";r=1;t=3600");
  limiter.decide(request);
  auto third = limiter.decide(request);
  EXPECT_EQ(third.action, middleware::RateAction::kReject);
  EXPECT_EQ(third.retry_after_s, 3600);
  EXPECT_EQ(limiter.keys("api"), 1u);
  auto json = limiter.toJson();
  EXPECT_EQ(json->getArray("rules")->getObject(0)->getValue<std::string>("store"), "redis");
  auto reset = limiter.reset("api");
  ASSERT_TRUE(reset) << reset.error().message;
  EXPECT_TRUE(*reset);
  EXPECT_EQ(limiter.decide(request).action, middleware::RateAction::kPass);
}

// Redis unreachable: the failure modes, and Redis back.
class RedisFailureTest : public cc::testing::ThrowawayRedisTest {
 protected:
  common::FakeClock clock_;
};

TEST_F(RedisFailureTest, LocalModeDecidesWithOwnBucketsAndSharesAgainOnceRedisIsBack) {
  Daemon d(throwawayServer(redis_), RedisFailureMode::kLocal, clock_, "cc:ratelimit:");
  auto store = d.store("api");
  EXPECT_TRUE(store->take("client", kHourly, clock_.now()).admitted);
  redis_.stop();

  // The in-process buckets start full: three more, then none.
  for (int i = 0; i < 3; ++i) {
    BucketTake t = store->take("client", kHourly, clock_.now());
    EXPECT_TRUE(t.admitted) << i;
    EXPECT_FALSE(t.undecided);
  }
  BucketTake local_reject = store->take("client", kHourly, clock_.now());
  EXPECT_FALSE(local_reject.admitted);
  EXPECT_FALSE(local_reject.undecided);
  RedisRateLimitCounts c = d.backend->counts();
  EXPECT_TRUE(c.degraded);
  EXPECT_EQ(c.fallbacks, 4u);
  EXPECT_EQ(c.decisions, 1u);
  EXPECT_FALSE(c.last_error.empty());
  EXPECT_NE(
      d.registry.render().find("controlcenter_ratelimit_redis_fallbacks_total{mode=\"local\"} 4"),
      std::string::npos);
  EXPECT_FALSE(store->erase("client")) << "a reset needs Redis";

  ASSERT_TRUE(redis_.start());
  clock_.advance(std::chrono::seconds(2));  // past the pool's fail-fast second
  // A new server (nothing persisted): a full shared bucket.
  BucketTake back = store->take("client", kHourly, clock_.now());
  EXPECT_TRUE(back.admitted);
  EXPECT_NEAR(back.tokens, 2.0, 0.01);
  EXPECT_FALSE(d.backend->counts().degraded);
  EXPECT_EQ(d.backend->counts().decisions, 2u);
}

TEST_F(RedisFailureTest, OpenAdmitsAndClosedRefusesWhatCannotBeDecided) {
  Daemon open(throwawayServer(redis_), RedisFailureMode::kOpen, clock_, "cc:ratelimit:");
  Daemon closed(throwawayServer(redis_), RedisFailureMode::kClosed, clock_, "cc:ratelimit:");
  auto open_store = open.store("api");
  auto closed_store = closed.store("api");
  redis_.stop();
  for (int i = 0; i < 5; ++i) {
    BucketTake o = open_store->take("client", kHourly, clock_.now());
    EXPECT_TRUE(o.undecided);
    EXPECT_TRUE(o.admitted);
    BucketTake c = closed_store->take("client", kHourly, clock_.now());
    EXPECT_TRUE(c.undecided);
    EXPECT_FALSE(c.admitted);
  }
  EXPECT_EQ(open.backend->counts().fallbacks, 5u);
  EXPECT_EQ(closed.backend->counts().fallbacks, 5u);
  EXPECT_TRUE(closed.backend->counts().degraded);
  EXPECT_EQ(closed.backend->toJson()->getValue<std::string>("state"), "degraded");
}

TEST_F(RedisFailureTest, TheRateLimiterTurnsClosedIntoFailClosedAndOpenIntoFailOpen) {
  auto cfg = limitsOf({{"ratelimit.rules", "api"}, {"ratelimit.rule.api.paths", "/api/*"}});
  Daemon open(throwawayServer(redis_), RedisFailureMode::kOpen, clock_, "cc:ratelimit:");
  Daemon closed(throwawayServer(redis_), RedisFailureMode::kClosed, clock_, "cc:ratelimit:");
  middleware::RateLimiter open_limiter(cfg, clock_, nullptr, open.backend->storeFactory());
  middleware::RateLimiter closed_limiter(cfg, clock_, nullptr, closed.backend->storeFactory());
  redis_.stop();
  const middleware::RequestInfo request = apiRequest();
  auto o = open_limiter.decide(request);
  EXPECT_EQ(o.action, middleware::RateAction::kFailOpen);
  EXPECT_FALSE(o.carriesHeaders());
  auto c = closed_limiter.decide(request);
  EXPECT_EQ(c.action, middleware::RateAction::kFailClosed);
  EXPECT_FALSE(c.carriesHeaders());
  EXPECT_EQ(c.retry_after_s, 1);
  EXPECT_EQ(closed_limiter.counters("api")->rejected.load(), 1u);
  EXPECT_EQ(open_limiter.counters("api")->admitted.load(), 1u);
}

}  // namespace
}  // namespace cc::shared_state
