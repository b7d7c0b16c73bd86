#include "middleware/rate_limiter.h"

#include <Poco/JSON/Array.h>
#include <gtest/gtest.h>

#include <sstream>

#include "config/config.h"

namespace cc::middleware {
namespace {

using config::ConfigLoader;
using std::chrono::seconds;

class RateLimiterTest : public ::testing::Test {
 protected:
  // Built-in defaults plus `defines`; fails the test on a load problem.
  static config::ConfigPtr load(const ConfigLoader::Defines& defines) {
    auto r = ConfigLoader::load("", defines);
    EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems.front());
    return r.config;
  }
  std::unique_ptr<RateLimiter> make(const ConfigLoader::Defines& defines,
                                    const RateLimiter* previous = nullptr) {
    config::Problems problems;
    auto cfg = RateLimitConfig::fromConfig(*load(defines), problems);
    EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : problems.front().message);
    return std::make_unique<RateLimiter>(cfg, clock_, previous);
  }
  static RequestInfo get(const std::string& path, const std::string& client = "198.51.100.1") {
    RequestInfo r;
    r.method = "GET";
    r.path = path;
    r.client_ip = client;
    return r;
  }
  // The problems of how the keys fit together, in a configuration whose every key is fine.
  static config::Problems ruleProblems(const ConfigLoader::Defines& defines) {
    config::Problems problems;
    RateLimitConfig::fromConfig(*load(defines), problems);
    return problems;
  }
  // The key table's problem with one key's value: the first load problem.
  static std::string valueProblem(const ConfigLoader::Defines& defines) {
    auto r = ConfigLoader::load("", defines);
    EXPECT_FALSE(r.ok());
    return r.problems.empty() ? "" : r.problems.front();
  }
  common::FakeClock clock_;
};

TEST_F(RateLimiterTest, BuiltInDefaultsProtectLoginAndApi) {
  auto limiter = make({});
  RequestInfo login = get("/api/auth/login");
  login.method = "POST";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(limiter->decide(login).action, RateAction::kPass) << i;
  auto d = limiter->decide(login);
  EXPECT_EQ(d.action, RateAction::kReject);
  EXPECT_EQ(d.rule, "login");
  EXPECT_EQ(d.retry_after_s, 12);
  // A GET to the login path is not the login rule's business: the api rule takes it.
  EXPECT_EQ(limiter->decide(get("/api/auth/login")).rule, "api");
  EXPECT_EQ(limiter->decide(get("/api/health")).action, RateAction::kExempt);
  EXPECT_EQ(limiter->decide(get("/index.html")).action, RateAction::kUnlimited);
  EXPECT_EQ(limiter->counters("login")->admitted.load(), 5u);
  EXPECT_EQ(limiter->counters("login")->rejected.load(), 1u);
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 1u);
}

TEST_F(RateLimiterTest, BurstOfNAdmitsNThenRejectsAndRefillsOnTime) {
  auto limiter = make({{"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.rate", "60/m"},
                       {"ratelimit.rule.api.burst", "3"}});
  for (int i = 0; i < 3; ++i) {
    auto d = limiter->decide(get("/api/x"));
    ASSERT_EQ(d.action, RateAction::kPass) << i;
    EXPECT_EQ(d.remaining, 2 - i);
  }
  auto rejected = limiter->decide(get("/api/x"));
  EXPECT_EQ(rejected.action, RateAction::kReject);
  EXPECT_EQ(rejected.retry_after_s, 1);
  EXPECT_EQ(rejected.remaining, 0);
  EXPECT_EQ(rejected.reset_s, 3);
  clock_.advance(std::chrono::milliseconds(999));
  EXPECT_EQ(limiter->decide(get("/api/x")).action, RateAction::kReject);
  clock_.advance(std::chrono::milliseconds(1));
  EXPECT_EQ(limiter->decide(get("/api/x")).action, RateAction::kPass);
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 4u);
  EXPECT_EQ(limiter->counters("api")->rejected.load(), 2u);
  EXPECT_EQ(limiter->counters("api")->shadow_rejected.load(), 0u);
}

TEST_F(RateLimiterTest, RetryAfterIsWholeSecondsRoundedUpAndAtLeastOne) {
  auto limiter = make({{"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.rate", "2/s"},
                       {"ratelimit.rule.api.burst", "1"}});
  ASSERT_EQ(limiter->decide(get("/api/x")).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(get("/api/x")).retry_after_s, 1);  // 0.5 s rounds up to 1
  auto slow = make({{"ratelimit.rules", "api"},
                    {"ratelimit.rule.api.rate", "1/h"},
                    {"ratelimit.rule.api.burst", "1"}});
  ASSERT_EQ(slow->decide(get("/api/x")).action, RateAction::kPass);
  clock_.advance(std::chrono::milliseconds(500));
  EXPECT_EQ(slow->decide(get("/api/x")).retry_after_s, 3600);  // 3599.5 s rounds up
}

TEST_F(RateLimiterTest, ShadowModeCountsButNeverRejects) {
  auto limiter = make({{"ratelimit.mode", "shadow"},
                       {"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.burst", "2"}});
  EXPECT_EQ(limiter->decide(get("/api/x")).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(get("/api/x")).action, RateAction::kPass);
  auto d = limiter->decide(get("/api/x"));
  EXPECT_EQ(d.action, RateAction::kShadowReject);
  EXPECT_FALSE(d.rejected());
  EXPECT_FALSE(d.carriesHeaders());
  EXPECT_GE(d.retry_after_s, 1);
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 2u);
  EXPECT_EQ(limiter->counters("api")->rejected.load(), 0u);
  EXPECT_EQ(limiter->counters("api")->shadow_rejected.load(), 1u);
}

TEST_F(RateLimiterTest, DisabledLimiterDecidesNothing) {
  auto limiter = make({{"ratelimit.enabled", "false"}, {"ratelimit.rule.api.burst", "1"}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(limiter->decide(get("/api/x")).action, RateAction::kUnlimited);
  }
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 0u);
  EXPECT_EQ(limiter->keys("api"), 0u);
}

TEST_F(RateLimiterTest, ExemptPathsAreNeverLimited) {
  auto limiter = make({{"ratelimit.rule.api.paths", "/*"}, {"ratelimit.rule.api.burst", "1"}});
  for (auto path : {"/health", "/health/ready", "/metrics", "/health?verbose=1"}) {
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(limiter->decide(get(path)).action, RateAction::kExempt) << path;
    }
  }
  EXPECT_EQ(limiter->decide(get("/healthz")).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(get("/metrics/x")).action, RateAction::kReject);
}

TEST_F(RateLimiterTest, FirstMatchingRuleApplies) {
  auto limiter = make({{"ratelimit.rules", "export, api"},
                       {"ratelimit.rule.export.paths", "/api/export/*"},
                       {"ratelimit.rule.export.rate", "1/h"},
                       {"ratelimit.rule.export.burst", "1"}});
  EXPECT_EQ(limiter->decide(get("/api/export/all")).rule, "export");
  auto second = limiter->decide(get("/api/export/all"));
  EXPECT_EQ(second.rule, "export");
  EXPECT_EQ(second.action, RateAction::kReject);
  EXPECT_EQ(limiter->decide(get("/api/other")).action, RateAction::kPass);
  EXPECT_EQ(limiter->counters("api")->rejected.load(), 0u);

  // Listed the other way round, api shadows export entirely.
  auto reversed = make({{"ratelimit.rules", "api, export"},
                        {"ratelimit.rule.export.paths", "/api/export/*"},
                        {"ratelimit.rule.export.rate", "1/h"}});
  EXPECT_EQ(reversed->decide(get("/api/export/all")).rule, "api");
  EXPECT_EQ(reversed->decide(get("/api/export/all")).action, RateAction::kPass);
}

TEST_F(RateLimiterTest, MethodFilterIsCaseInsensitive) {
  auto limiter = make({{"ratelimit.rules", "writes"},
                       {"ratelimit.rule.writes.paths", "/api/*"},
                       {"ratelimit.rule.writes.methods", "post, DELETE"},
                       {"ratelimit.rule.writes.rate", "1/m"}});
  RequestInfo post = get("/api/agents");
  post.method = "POST";
  RequestInfo del = get("/api/agents/1");
  del.method = "delete";
  EXPECT_EQ(limiter->decide(get("/api/agents")).action, RateAction::kUnlimited);
  EXPECT_EQ(limiter->decide(post).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(del).action, RateAction::kReject);
}

TEST_F(RateLimiterTest, ClientsBehindTrustedProxiesGetTheirOwnBuckets) {
  auto limiter = make({{"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.burst", "1"},
                       {"ratelimit.trusted_proxies", "10.0.0.0/8"}});
  // The client as the request context resolves it, through the limiter's trusted proxies.
  const TrustedProxies& proxies = limiter->config().trusted_proxies;
  RequestInfo a = get("/api/x", proxies.resolve("10.0.0.1", "198.51.100.1"));
  RequestInfo b = get("/api/x", proxies.resolve("10.0.0.1", "198.51.100.2"));
  EXPECT_EQ(limiter->decide(a).key, "198.51.100.1");
  EXPECT_EQ(limiter->decide(b).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(a).action, RateAction::kReject);
  // A forged XFF from an untrusted peer does not buy a fresh bucket.
  RequestInfo forged = get("/api/x", proxies.resolve("203.0.113.5", "198.51.100.99"));
  EXPECT_EQ(limiter->decide(forged).key, "203.0.113.5");
  forged = get("/api/x", proxies.resolve("203.0.113.5", "198.51.100.100"));
  EXPECT_EQ(limiter->decide(forged).action, RateAction::kReject);
  // The resolved client address is used as is.
  RequestInfo resolved = get("/api/x", "198.51.100.1");
  EXPECT_EQ(limiter->decide(resolved).action, RateAction::kReject);
}

TEST_F(RateLimiterTest, TokenAndGlobalKeys) {
  auto limiter = make({{"ratelimit.rules", "user, all"},
                       {"ratelimit.rule.user.paths", "/api/me/*"},
                       {"ratelimit.rule.user.rate", "1/m"},
                       {"ratelimit.rule.user.key", "token"},
                       {"ratelimit.rule.all.paths", "/api/*"},
                       {"ratelimit.rule.all.rate", "2/m"},
                       {"ratelimit.rule.all.key", "global"}});
  RequestInfo alice = get("/api/me/x", "198.51.100.1");
  alice.token_key = "alice";
  RequestInfo alice_elsewhere = get("/api/me/x", "198.51.100.2");
  alice_elsewhere.token_key = "alice";
  RequestInfo bob = get("/api/me/x", "198.51.100.1");
  bob.token_key = "bob";
  EXPECT_EQ(limiter->decide(alice).key, "token:alice");
  EXPECT_EQ(limiter->decide(alice_elsewhere).action, RateAction::kReject);
  EXPECT_EQ(limiter->decide(bob).action, RateAction::kPass);
  // No token: the client address stands in.
  EXPECT_EQ(limiter->decide(get("/api/me/x")).key, "198.51.100.1");

  EXPECT_EQ(limiter->decide(get("/api/a", "1.1.1.1")).key, "global");
  EXPECT_EQ(limiter->decide(get("/api/a", "2.2.2.2")).action, RateAction::kPass);
  EXPECT_EQ(limiter->decide(get("/api/a", "3.3.3.3")).action, RateAction::kReject);
  EXPECT_EQ(limiter->keys("all"), 1u);
}

TEST_F(RateLimiterTest, KeysAreBoundedByMaxKeys) {
  auto limiter = make({{"ratelimit.rules", "api"}, {"ratelimit.max_keys", "50"}});
  for (int i = 0; i < 300; ++i) {
    limiter->decide(get("/api/x", "198.51.100." + std::to_string(i % 250)));
  }
  EXPECT_EQ(limiter->keys("api"), 50u);
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 300u);
}

TEST_F(RateLimiterTest, HeadersFollowTheIetfDraft) {
  auto limiter = make({{"ratelimit.rules", "api"},
                       {"ratelimit.rule.api.rate", "100/m"},
                       {"ratelimit.rule.api.burst", "2"}});
  auto first = limiter->decide(get("/api/x"));
  EXPECT_TRUE(first.carriesHeaders());
  EXPECT_EQ(first.policyHeader(), "\"api\";q=100;w=60");
  EXPECT_EQ(first.rateLimitHeader(), "\"api\";r=1;t=1");  // 0.6 s to full, rounded up
  limiter->decide(get("/api/x"));
  auto rejected = limiter->decide(get("/api/x"));
  EXPECT_TRUE(rejected.carriesHeaders());
  EXPECT_EQ(rejected.rateLimitHeader(), "\"api\";r=0;t=2");
  EXPECT_FALSE(limiter->decide(get("/health")).carriesHeaders());

  auto login = make({});
  RequestInfo post = get("/api/auth/login");
  post.method = "POST";
  for (int i = 0; i < 5; ++i) login->decide(post);
  auto d = login->decide(post);
  EXPECT_EQ(d.policyHeader(), "\"login\";q=5;w=60");
  EXPECT_EQ(d.rateLimitHeader(), "\"login\";r=0;t=60");
  EXPECT_EQ(d.retry_after_s, 12);
}

TEST_F(RateLimiterTest, ResetForgetsBucketsButKeepsCounters) {
  auto limiter = make({{"ratelimit.rules", "api"}, {"ratelimit.rule.api.burst", "1"}});
  limiter->decide(get("/api/x", "198.51.100.1"));
  limiter->decide(get("/api/x", "198.51.100.2"));
  ASSERT_EQ(limiter->decide(get("/api/x", "198.51.100.1")).action, RateAction::kReject);

  auto one = limiter->reset("api", std::string("198.51.100.1"));
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(*one);
  EXPECT_FALSE(*limiter->reset("api", std::string("203.0.113.1")));
  EXPECT_EQ(limiter->decide(get("/api/x", "198.51.100.1")).action, RateAction::kPass);
  EXPECT_TRUE(*limiter->reset("api"));
  EXPECT_EQ(limiter->keys("api"), 0u);
  EXPECT_FALSE(*limiter->reset("api"));
  auto unknown = limiter->reset("nope");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, common::ErrorCode::kNotFound);
  EXPECT_EQ(limiter->counters("api")->admitted.load(), 3u);
  EXPECT_EQ(limiter->counters("api")->rejected.load(), 1u);
}

TEST_F(RateLimiterTest, ReloadKeepsCountersAndCompatibleBuckets) {
  auto before = make({{"ratelimit.rules", "login, api"}, {"ratelimit.rule.api.burst", "1"}});
  before->decide(get("/api/x"));
  ASSERT_EQ(before->decide(get("/api/x")).action, RateAction::kReject);

  // Same key kind: the empty bucket carries over, now limited by the new rate.
  auto after = make({{"ratelimit.rules", "api"},
                     {"ratelimit.rule.api.burst", "1"},
                     {"ratelimit.rule.api.rate", "1/s"}},
                    before.get());
  EXPECT_EQ(after->counters("api")->admitted.load(), 1u);
  EXPECT_EQ(after->counters("api")->rejected.load(), 1u);
  EXPECT_EQ(after->decide(get("/api/x")).action, RateAction::kReject);
  EXPECT_EQ(after->counters("login"), nullptr);

  // A new key kind makes old buckets meaningless: they start afresh, counters continue.
  auto global = make({{"ratelimit.rules", "api"},
                      {"ratelimit.rule.api.burst", "1"},
                      {"ratelimit.rule.api.key", "global"}},
                     after.get());
  EXPECT_EQ(global->decide(get("/api/x")).action, RateAction::kPass);
  EXPECT_EQ(global->counters("api")->admitted.load(), 2u);
  EXPECT_EQ(global->counters("api")->rejected.load(), 2u);
}

TEST_F(RateLimiterTest, AdminJsonReportsRulesCountersAndBusiestKeys) {
  auto limiter = make({{"ratelimit.rules", "api"}, {"ratelimit.rule.api.burst", "2"}});
  for (int i = 0; i < 3; ++i) limiter->decide(get("/api/x", "198.51.100.1"));
  limiter->decide(get("/api/x", "198.51.100.2"));
  std::ostringstream out;
  limiter->toJson()->stringify(out);
  EXPECT_EQ(out.str(),
            "{\"enabled\":true,\"mode\":\"enforce\",\"rules\":[{\"name\":\"api\","
            "\"paths\":[\"/api/*\"],\"methods\":[],\"rate\":\"600/m\",\"burst\":2,\"key\":\"ip\","
            "\"store\":\"local\",\"admitted\":3,\"rejected\":1,\"shadow_rejected\":0,\"keys\":2,"
            "\"evictions\":0,"
            "\"top_keys\":[{\"key\":\"198.51.100.1\",\"tokens\":0,\"requests\":3},"
            "{\"key\":\"198.51.100.2\",\"tokens\":1,\"requests\":1}]}]}");
}

TEST_F(RateLimiterTest, RateSyntax) {
  EXPECT_EQ(Rate::parse("5/m")->period_s, 60);
  EXPECT_EQ(Rate::parse(" 10 / h ")->count, 10);
  EXPECT_EQ(Rate::parse("100/s")->toString(), "100/s");
  for (auto bad : {"5", "5/d", "0/s", "-1/s", "x/s", "5/", "/s", "1.5/s"}) {
    EXPECT_FALSE(Rate::parse(bad).ok()) << bad;
  }
}

TEST_F(RateLimiterTest, RuleProblemsNameTheKeyAndComeAllAtOnce) {
  // A listed rule with neither paths nor a rate: both are reported, not only the first.
  auto p = ruleProblems({{"ratelimit.rules", "login, api, search"}});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].key, "ratelimit.rule.search.paths");
  EXPECT_EQ(p[1].key, "ratelimit.rule.search.rate");
  EXPECT_EQ(p[1].message.rfind("ratelimit.rule.search.rate: ", 0), 0u) << p[1].message;
  p = ruleProblems({{"ratelimit.rules", "search"}, {"ratelimit.rule.search.paths", "/s"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].key, "ratelimit.rule.search.rate");
  // Two keys of rules that ratelimit.rules does not list, and a listed rule without a rate.
  p = ruleProblems({{"ratelimit.rules", "api, b"},
                    {"ratelimit.rule.login.rate", "1/s"},
                    {"ratelimit.rule.serch.paths", "/s"},
                    {"ratelimit.rule.b.paths", "/b"}});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].key, "ratelimit.rule.b.rate");
  EXPECT_EQ(p[1].key, "ratelimit.rule.login.rate");
  EXPECT_NE(p[1].message.find("not listed in ratelimit.rules"), std::string::npos) << p[1].message;
  EXPECT_EQ(p[2].key, "ratelimit.rule.serch.paths");
}

// Each value is checked once, by the key table, before any rule is built.
TEST_F(RateLimiterTest, BadValuesAreTheKeyTablesProblems) {
  auto e = valueProblem({{"ratelimit.rule.api.rate", "many"}});
  EXPECT_EQ(e.rfind("ratelimit.rule.api.rate: ", 0), 0u) << e;
  EXPECT_NE(e.find("N/s"), std::string::npos) << e;
  e = valueProblem({{"ratelimit.rule.custom.rate", "5/d"}});
  EXPECT_EQ(e.rfind("ratelimit.rule.custom.rate: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.trusted_proxies", "10.0.0.0/8, 300.1.1.1/8"}});
  EXPECT_EQ(e.rfind("ratelimit.trusted_proxies: ", 0), 0u) << e;
  EXPECT_NE(e.find("300.1.1.1"), std::string::npos) << e;
  e = valueProblem({{"ratelimit.rules", "api, api"}});
  EXPECT_EQ(e.rfind("ratelimit.rules: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.rules", "a.b"}});
  EXPECT_EQ(e.rfind("ratelimit.rules: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.rule.api.paths", "api/*"}});
  EXPECT_EQ(e.rfind("ratelimit.rule.api.paths: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.exempt", "/a*b"}});
  EXPECT_EQ(e.rfind("ratelimit.exempt: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.rule.api.methods", "GET, P0ST"}});
  EXPECT_EQ(e.rfind("ratelimit.rule.api.methods: ", 0), 0u) << e;
  e = valueProblem({{"ratelimit.rule.api.burst", "0"}});
  EXPECT_EQ(e.rfind("ratelimit.rule.api.burst: ", 0), 0u) << e;
}

}  // namespace
}  // namespace cc::middleware
