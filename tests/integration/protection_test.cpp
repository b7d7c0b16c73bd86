#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// Traffic protection on the real daemon: rate limits, deadlines, the store's breaker, the
// response cache, reload and the metrics scrape.

namespace cc::testing {
namespace {

int intField(const std::string& json, const std::string& path) {
  std::string v = jsonField(json, path);
  return v.empty() ? -1 : std::stoi(v);
}

// A daemon with one viewer token, used once so that the token is validated before any fault.
class ProtectionTest : public ::testing::Test {
 protected:
  void startWith(std::vector<std::string> args) {
    daemon_ = std::make_unique<DaemonProcess>(std::move(args));
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    viewer_ = mintToken(*daemon_, "viewer");
  }
  HttpResult get(const std::string& path, const std::string& token,
                 std::map<std::string, std::string> extra = {}) {
    auto headers = jsonHeaders(token);
    headers.insert(extra.begin(), extra.end());
    return daemon_->get(path, headers);
  }
  HttpResult get(const std::string& path) { return get(path, viewer_); }
  std::string ruleJson(const std::string& rule) {
    return jsonArrayItem(daemon_->admin("GET", "/admin/ratelimit").body, "rules", "name", rule);
  }

  std::unique_ptr<DaemonProcess> daemon_;
  std::string viewer_;
};

// An hourly rate so that no token refills while the test runs, however slow the machine.
const std::vector<std::string> kFiveAnHour{"-D", "ratelimit.rule.api.burst=5", "-D",
                                           "ratelimit.rule.api.rate=5/h"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_F(ProtectionTest, ExactlyTheBurstPassesThen429) {
  startWith(kFiveAnHour);
  for (int i = 0; i < 5; ++i) {
    auto r = get("/api/agents");
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.body;
    EXPECT_EQ(r.header("RateLimit-Policy"), "\"api\";q=5;w=3600");
    EXPECT_NE(r.header("RateLimit").find("r=" + std::to_string(4 - i)), std::string::npos)
        << r.header("RateLimit");
  }
  auto refused = get("/api/agents");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(jsonField(refused.body, "error.code"), "rate_limited");
  EXPECT_GE(std::stoi("0" + refused.header("Retry-After")), 1);
  EXPECT_EQ(refused.header("RateLimit-Policy"), "\"api\";q=5;w=3600");
  EXPECT_NE(refused.header("RateLimit").find("r=0"), std::string::npos);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(daemon_->get("/health").status, 200) << "exempt";
  std::string rule = ruleJson("api");
  EXPECT_EQ(jsonField(rule, "admitted"), "5") << rule;
  EXPECT_EQ(jsonField(rule, "rejected"), "1") << rule;

  auto reset = daemon_->admin("DELETE", "/admin/ratelimit?rule=api");
  EXPECT_EQ(reset.status, 200) << reset.body;
  EXPECT_EQ(get("/api/agents").status, 200) << "the reset refilled the bucket";
}

TEST_F(ProtectionTest, ShadowModeCountsButNeverRefuses) {
  startWith(kFiveAnHour + std::vector<std::string>{"-D", "ratelimit.mode=shadow"});
  for (int i = 0; i < 8; ++i) EXPECT_EQ(get("/api/agents").status, 200) << "request " << i;
  std::string rule = ruleJson("api");
  EXPECT_EQ(jsonField(daemon_->admin("GET", "/admin/ratelimit").body, "mode"), "shadow");
  EXPECT_EQ(jsonField(rule, "shadow_rejected"), "3") << rule;
  EXPECT_EQ(jsonField(rule, "rejected"), "0") << rule;
}

TEST_F(ProtectionTest, TrustedProxyForwardedClientsGetTheirOwnBuckets) {
  startWith(kFiveAnHour + std::vector<std::string>{"-D", "ratelimit.trusted_proxies=127.0.0.1/32"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(get("/api/agents", viewer_, {{"X-Forwarded-For", "10.0.0.1"}}).status, 200);
  }
  EXPECT_EQ(get("/api/agents", viewer_, {{"X-Forwarded-For", "10.0.0.1"}}).status, 429);
  EXPECT_EQ(get("/api/agents", viewer_, {{"X-Forwarded-For", "10.0.0.2"}}).status, 200);
  EXPECT_EQ(jsonField(ruleJson("api"), "keys"), "2");
}

TEST_F(ProtectionTest, ForwardedForIsIgnoredWithoutTrustedProxies) {
  startWith(kFiveAnHour);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(get("/api/agents", viewer_, {{"X-Forwarded-For", "10.0.0.1"}}).status, 200);
  }
  EXPECT_EQ(get("/api/agents", viewer_, {{"X-Forwarded-For", "10.0.0.2"}}).status, 429);
  EXPECT_EQ(jsonField(ruleJson("api"), "keys"), "1");
}

// The store's faults and its breaker: store_faults_test.cpp, on each backend.

TEST_F(ProtectionTest, ProcessListIsCachedPerRoleAndFlushable) {
  startWith({"-D", "ratelimit.enabled=false", "-D", "cache.rule.processes.ttl_ms=60000"});
  std::string admin = mintToken(*daemon_, "admin");
  auto first = get("/api/system/processes?limit=5");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  auto second = get("/api/system/processes?limit=5");
  EXPECT_EQ(second.header("X-Cache"), "HIT");
  EXPECT_FALSE(second.header("Age").empty());
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(get("/api/system/processes?limit=5", admin).header("X-Cache"), "MISS")
      << "roles never share an entry";
  EXPECT_EQ(get("/api/system/processes?limit=5", admin).header("X-Cache"), "HIT");

  auto flushed = daemon_->admin("DELETE", "/admin/cache");
  EXPECT_EQ(flushed.status, 200);
  EXPECT_EQ(jsonField(flushed.body, "flushed"), "2") << flushed.body;
  EXPECT_EQ(get("/api/system/processes?limit=5").header("X-Cache"), "MISS");
}

TEST_F(ProtectionTest, ConcurrentIdenticalRequestsComputeOnce) {
  startWith({"-D", "ratelimit.enabled=false", "-D", "cache.rule.processes.ttl_ms=60000"});
  auto rule = [&] {
    return jsonArrayItem(daemon_->admin("GET", "/admin/cache").body, "rules", "name", "processes");
  };
  std::string before = rule();
  constexpr int kClients = 12;
  std::map<std::string, int> outcomes;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&] {
      auto r = get("/api/system/processes?sort=memory&limit=20");
      std::lock_guard<std::mutex> lock(mu);
      ++outcomes[std::to_string(r.status) + " " + r.header("X-Cache")];
    });
  }
  for (auto& t : clients) t.join();
  std::string after = rule();
  EXPECT_EQ(outcomes["200 MISS"], 1);
  EXPECT_EQ(outcomes["200 HIT"] + outcomes["200 COALESCED"], kClients - 1);
  EXPECT_EQ(intField(after, "misses") - intField(before, "misses"), 1) << after;
  EXPECT_EQ(intField(after, "hits") - intField(before, "hits"), outcomes["200 HIT"]) << after;
  EXPECT_EQ(intField(after, "coalesced") - intField(before, "coalesced"), outcomes["200 COALESCED"])
      << after;
  EXPECT_EQ(intField(after, "entries"), 1);
}

TEST_F(ProtectionTest, AgentWriteInvalidatesCachedAgentLists) {
  startWith({"-D", "ratelimit.enabled=false", "-D", "cache.rules=processes,network,agents", "-D",
             "cache.rule.agents.paths=/api/agents", "-D", "cache.rule.agents.ttl_ms=60000"});
  std::string admin = mintToken(*daemon_, "admin");
  EXPECT_EQ(get("/api/agents", admin).header("X-Cache"), "MISS");
  EXPECT_EQ(get("/api/agents", admin).header("X-Cache"), "HIT");
  auto created = daemon_->request(
      "POST", "/api/agents", R"({"name":"fresh","level":"L1","role":"r"})", jsonHeaders(admin));
  ASSERT_EQ(created.status, 201) << created.body;
  auto list = get("/api/agents", admin);
  EXPECT_EQ(list.header("X-Cache"), "MISS");
  EXPECT_FALSE(jsonArrayItem(list.body, "items", "name", "fresh").empty()) << list.body;
}

TEST_F(ProtectionTest, ReloadAppliesANewLimitAndRejectsABadOne) {
  TempDir dir;
  std::string conf = dir.path() + "/cc.properties";
  auto write = [&](const std::string& burst, const std::string& rate) {
    std::ofstream(conf, std::ios::trunc) << "ratelimit.rule.api.key = token\n"
                                         << "ratelimit.rule.api.burst = " << burst << "\n"
                                         << "ratelimit.rule.api.rate = " << rate << "\n";
  };
  // Keyed by token, so each fresh token shows the limit a new client gets.
  auto admitted = [&](int tries) {
    std::string token = mintToken(*daemon_, "viewer");
    int ok = 0;
    for (int i = 0; i < tries; ++i) ok += get("/api/agents", token).status == 200 ? 1 : 0;
    return ok;
  };
  write("2", "2/h");
  startWith({"--config", conf});
  EXPECT_EQ(admitted(4), 2);

  write("4", "4/h");
  auto applied = daemon_->admin("POST", "/admin/reload");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_NE(jsonField(applied.body, "applied").find("ratelimit.rule.api.burst"), std::string::npos)
      << applied.body;
  EXPECT_EQ(admitted(6), 4);

  write("9", "5/x");
  auto rejected = daemon_->admin("POST", "/admin/reload");
  EXPECT_EQ(rejected.status, 400) << rejected.body;
  EXPECT_NE(rejected.body.find("ratelimit.rule.api.rate"), std::string::npos) << rejected.body;
  EXPECT_EQ(admitted(6), 4) << "the running limit stays";
  EXPECT_EQ(jsonField(ruleJson("api"), "burst"), "4");
}

TEST_F(ProtectionTest, MetricsScrapeNamesRouteTemplates) {
  startWith({"-D", "ratelimit.enabled=false"});
  std::string admin = mintToken(*daemon_, "admin");
  auto created = daemon_->request("POST", "/api/agents", R"({"name":"m","level":"L1","role":"r"})",
                                  jsonHeaders(admin));
  ASSERT_EQ(created.status, 201);
  std::string id = jsonField(created.body, "id");
  EXPECT_EQ(get("/api/agents/" + id).status, 200);
  EXPECT_EQ(get("/api/agents/17017").status, 404);
  EXPECT_EQ(get("/api/agents").status, 200);

  auto scrape = daemon_->admin("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.header("Content-Type").find("text/plain"), std::string::npos);
  const std::string& m = scrape.body;
  EXPECT_NE(m.find("controlcenter_http_requests_total{route=\"/api/agents\",method=\"GET\""),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("route=\"/api/agents/{id}\""), std::string::npos);
  EXPECT_EQ(m.find("route=\"/api/agents/" + id + "\""), std::string::npos);
  EXPECT_EQ(m.find("/api/agents/17017"), std::string::npos);
  for (const char* family :
       {"controlcenter_db_pool_sessions{state=\"in_use\"}",
        "controlcenter_breaker_state{name=\"db\"}", "\ncontrolcenter_ws_connections",
        "\nprocess_resident_memory_bytes "}) {
    EXPECT_NE(m.find(family), std::string::npos) << family;
  }
}

TEST_F(ProtectionTest, RateLimitDecisionsAreExported) {
  startWith(kFiveAnHour);
  for (int i = 0; i < 6; ++i) get("/api/agents");
  const std::string m = daemon_->admin("GET", "/metrics").body;
  EXPECT_NE(m.find("controlcenter_ratelimit_decisions_total{rule=\"api\",decision=\"pass\"} 5"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("controlcenter_ratelimit_decisions_total{rule=\"api\",decision=\"reject\"} 1"),
            std::string::npos)
      << m;
}

TEST_F(ProtectionTest, MetricsScrapePassesPromtool) {
  const std::string promtool = promtoolPath();
  if (promtool.empty()) GTEST_SKIP() << "promtool is not installed";
  startWith(kFiveAnHour);
  for (int i = 0; i < 7; ++i) get("/api/agents");
  get("/api/system/processes");
  auto scrape = daemon_->admin("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  auto checked = runProgram({promtool, "check", "metrics"}, scrape.body);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
}

}  // namespace
}  // namespace cc::testing
