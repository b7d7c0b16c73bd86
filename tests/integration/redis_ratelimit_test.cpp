// Two daemons sharing their rate limits through one Redis of the test's own: the exact limit
// across both, Redis stopped mid-test and back, and the failure modes.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "support/daemon_process.h"
#include "support/throwaway_redis.h"
#include "unit/eventually.h"

namespace cc::testing {
namespace {

Poco::JSON::Object::Ptr parsedObject(const std::string& body) {
  return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
}

class RedisRateLimitTest : public ThrowawayRedisTest {
 protected:
  // A daemon whose only rule allows a burst of 10 per client on /api/agents (a token an hour:
  // nothing refills during the test); clients are told apart by X-Forwarded-For.
  std::unique_ptr<DaemonProcess> startDaemon(const std::string& failure_mode = "local") {
    auto d = std::make_unique<DaemonProcess>(std::vector<std::string>{
        "-D", "ratelimit.backend=redis", "-D", "ratelimit.redis_failure=" + failure_mode, "-D",
        "redis.url=" + redis_.url(), "-D", "redis.password_file=" + redis_.passwordFile(),
        // Generous for a loaded test machine: a slow answer must not be taken for a dead Redis.
        "-D", "redis.timeout_ms=2000", "-D", "ratelimit.rules=burst", "-D",
        "ratelimit.rule.burst.paths=/api/agents", "-D", "ratelimit.rule.burst.rate=1/h", "-D",
        "ratelimit.rule.burst.burst=10", "-D", "ratelimit.trusted_proxies=127.0.0.1", "-D",
        "log.access=off"});
    EXPECT_TRUE(d->start()) << d->log();
    return d;
  }

  // Without a token: 401 when the limiter admits (authentication comes after it), 429 when not.
  static HttpResult ask(DaemonProcess& d, const std::string& client) {
    return d.get("/api/agents", {{"X-Forwarded-For", client}});
  }

  static std::string redisState(DaemonProcess& d) {
    auto status = parsedObject(d.admin("GET", "/admin/status").body);
    auto redis = status->getObject("redis");
    if (!redis) return "";
    return redis->getObject("ratelimit")->getValue<std::string>("state");
  }

  static std::string redisCheck(DaemonProcess& d) {
    auto health = parsedObject(d.get("/health").body);
    auto check = health->getObject("checks")->getObject("redis");
    return check ? check->getValue<std::string>("status") : "";
  }

  RunResult ctl(DaemonProcess& d, std::vector<std::string> args) {
    std::vector<std::string> argv = {CC_CTL_PATH,
                                     "--url",
                                     "http://" + d.httpAddress(),
                                     "--admin",
                                     "http://" + d.adminAddress(),
                                     "--token-file",
                                     d.stateDir() + "/admin.token",
                                     "-o",
                                     "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProgram(argv);
  }
};

TEST_F(RedisRateLimitTest, ABurstSpreadOverTwoDaemonsAdmitsExactlyTheLimit) {
  auto one = startDaemon();
  auto two = startDaemon();
  int admitted = 0;
  int rejected = 0;
  std::vector<std::string> remaining;
  for (int i = 0; i < 30; ++i) {
    HttpResult r = ask(i % 2 == 0 ? *one : *two, "203.0.113.1");
    if (r.status == 429) {
      ++rejected;
      EXPECT_EQ(r.header("Retry-After"), "3600") << "one token an hour";
    } else {
      EXPECT_EQ(r.status, 401) << r.body;
      ++admitted;
      remaining.push_back(r.header("RateLimit"));
    }
  }
  EXPECT_EQ(admitted, 10);
  EXPECT_EQ(rejected, 20);
  // The two daemons count down one shared bucket: their headers agree, request after request.
  ASSERT_EQ(remaining.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(remaining[static_cast<std::size_t>(i)],
              "\"burst\";r=" + std::to_string(9 - i) + ";t=" + std::to_string(3600 * (i + 1)));
  }
  EXPECT_EQ(redisState(*one), "shared");
  EXPECT_EQ(redisCheck(*two), "pass");

  // ctl ratelimit show on either daemon sees the shared key with both daemons' requests (up to
  // each one's first rejection; later ones are answered from its own cache).
  RunResult show = ctl(*two, {"ratelimit", "show"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  auto rule = parsedObject(show.out)->getArray("rules")->getObject(0);
  EXPECT_EQ(rule->getValue<std::string>("store"), "redis");
  EXPECT_EQ(rule->getValue<int>("keys"), 1);
  auto top = rule->getArray("top_keys")->getObject(0);
  EXPECT_EQ(top->getValue<std::string>("key"), "203.0.113.1");
  EXPECT_EQ(top->getValue<int>("requests"), 12);

  // ctl ratelimit reset on one daemon refills the shared bucket.
  RunResult reset = ctl(*one, {"ratelimit", "reset", "--rule", "burst", "--key", "203.0.113.1"});
  ASSERT_EQ(reset.exit_code, 0) << reset.err;
  EXPECT_EQ(ask(*one, "203.0.113.1").status, 401);
  auto after = parsedObject(ctl(*two, {"ratelimit", "show"}).out)
                   ->getArray("rules")
                   ->getObject(0)
                   ->getArray("top_keys")
                   ->getObject(0);
  EXPECT_EQ(after->getValue<int>("requests"), 1) << "a new bucket";
}

TEST_F(RedisRateLimitTest, RedisStoppedFallsBackToLocalBucketsAndSharingResumesWhenBack) {
  auto one = startDaemon();
  auto two = startDaemon();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(ask(i % 2 == 0 ? *one : *two, "203.0.113.1").status, 401);

  redis_.stop();
  // Requests still answer; each daemon decides with its own buckets, which start full.
  int admitted = 0;
  for (int i = 0; i < 11; ++i) {
    HttpResult r = ask(*one, "203.0.113.2");
    ASSERT_TRUE(r.status == 401 || r.status == 429) << r.status << " " << r.body;
    admitted += r.status == 401 ? 1 : 0;
  }
  EXPECT_EQ(admitted, 10) << "the local bucket of one daemon holds the limit";
  EXPECT_EQ(ask(*two, "203.0.113.2").status, 401) << "the other daemon's buckets are its own";
  EXPECT_EQ(redisState(*one), "degraded");
  EXPECT_EQ(redisCheck(*one), "warn");
  EXPECT_EQ(one->get("/health/ready").status, 200) << "a degraded Redis keeps the daemon ready";
  std::string metrics = one->admin("GET", "/metrics").body;
  EXPECT_NE(metrics.find("controlcenter_ratelimit_redis_degraded 1"), std::string::npos);
  EXPECT_NE(metrics.find("controlcenter_ratelimit_redis_fallbacks_total{mode=\"local\"} 11"),
            std::string::npos)
      << metrics.substr(0, 2000);
  EXPECT_NE(one->log().find("until Redis answers again, this daemon's own buckets decide"),
            std::string::npos)
      << one->log();

  ASSERT_TRUE(redis_.start());
  // No restart: each daemon tries Redis again a second after its last failure.
  int probe = 0;
  ASSERT_TRUE(eventually(
      [&] {
        ++probe;
        ask(*one, "198.51.100." + std::to_string(probe));
        ask(*two, "198.51.100." + std::to_string(probe));
        return redisState(*one) == "shared" && redisState(*two) == "shared";
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(redisCheck(*one), "pass");
  admitted = 0;
  for (int i = 0; i < 30; ++i)
    admitted += ask(i % 2 == 0 ? *one : *two, "203.0.113.3").status == 401;
  EXPECT_EQ(admitted, 10) << "shared again: one limit across both";
}

TEST_F(RedisRateLimitTest, ClosedAnswers503AndOpenAdmitsWhileRedisIsDown) {
  auto closed = startDaemon("closed");
  auto open = startDaemon("open");
  redis_.stop();
  HttpResult refused = ask(*closed, "203.0.113.1");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error.code"), "dependency_unavailable");
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_EQ(redisCheck(*closed), "warn");

  for (int i = 0; i < 15; ++i) {
    HttpResult r = ask(*open, "203.0.113.1");
    EXPECT_EQ(r.status, 401) << "admitted, unlimited, while Redis is down";
    EXPECT_EQ(r.header("RateLimit"), "") << "no bucket spoke: no numbers to show";
  }
  EXPECT_NE(open->admin("GET", "/metrics")
                .body.find("controlcenter_ratelimit_decisions_total{rule=\"burst\","
                           "decision=\"fail_open\"} 15"),
            std::string::npos);
}

}  // namespace
}  // namespace cc::testing
