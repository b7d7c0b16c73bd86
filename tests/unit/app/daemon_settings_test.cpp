#include "app/daemon_settings.h"

#include <gtest/gtest.h>

#include <string>

namespace cc::app {
namespace {

class DaemonSettingsTest : public ::testing::Test {
 protected:
  // The keys of every problem, in order, space-separated.
  static std::string keysOf(const SettingsResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += (out.empty() ? "" : " ") + p.key;
    return out;
  }
};

TEST_F(DaemonSettingsTest, DefaultsBuildEveryComponentsSettings) {
  auto r = DaemonSettings::load("", {{"http.request_timeout_ms", "750"}, {"admin.threads", "3"}});
  ASSERT_TRUE(r.ok()) << r.problems.front().message;
  const DaemonSettings& s = *r.settings;
  EXPECT_EQ(s.http.name, "http");
  EXPECT_EQ(s.http.threads, 256);
  EXPECT_EQ(s.admin.name, "admin");
  EXPECT_EQ(s.admin.threads, 3);
  // The admin Unix socket is a listener like the others: its own name, the same limits.
  EXPECT_EQ(s.admin_unix.name, "admin-unix");
  EXPECT_EQ(s.admin_unix.threads, 3);
  for (const auto* l : {&s.http, &s.admin, &s.admin_unix}) {
    EXPECT_EQ(l->request_timeout_ms.load(), 750) << l->name;
  }
  EXPECT_EQ(s.rate_limit->rules.size(), 2u);
  EXPECT_EQ(s.cache->rules.size(), 2u);
  EXPECT_EQ(s.db_breaker.failure_threshold, 5);
  EXPECT_EQ(s.max_connections_per_client, 200);
  EXPECT_EQ(s.config->getString("log.level"), s.log_level);
}

TEST_F(DaemonSettingsTest, BuildReturnsEveryProblemOfHowKeysFitTogether) {
  auto r = DaemonSettings::load("", {{"ratelimit.rules", "login, api, search"},
                                     {"ratelimit.rule.search.paths", "/api/search"},
                                     {"cache.rules", "processes, agents"},
                                     {"cache.rule.agents.paths", "/api/agents"},
                                     {"cache.rule.typo.ttl_ms", "10"},
                                     {"admin.address", "192.0.2.1"},
                                     {"db.pool.min", "60"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.settings, nullptr);
  EXPECT_EQ(keysOf(r),
            "ratelimit.rule.search.rate cache.rule.agents.ttl_ms cache.rule.typo.ttl_ms "
            "admin.address db.pool.min");
  for (const auto& p : r.problems) {
    EXPECT_EQ(p.message.rfind(p.key + ": ", 0), 0u) << p.message;
  }
}

TEST_F(DaemonSettingsTest, EveryBadValueIsReportedWithItsKey) {
  auto r = DaemonSettings::load("", {{"http.port", "99999"},
                                     {"ratelimit.rule.api.rate", "lots"},
                                     {"ratelimit.trusted_proxies", "10.0.0.0/33"},
                                     {"breaker.db.failure_ratio", "2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(keysOf(r),
            "breaker.db.failure_ratio http.port ratelimit.rule.api.rate "
            "ratelimit.trusted_proxies");
  auto unknown = DaemonSettings::load("", {{"ratelimit.rulez", "api"}});
  ASSERT_EQ(unknown.problems.size(), 1u);
  EXPECT_EQ(unknown.problems[0].key, "");  // a line about the source, naming the unknown key
  EXPECT_NE(unknown.problems[0].message.find("ratelimit.rulez"), std::string::npos);
}

TEST_F(DaemonSettingsTest, RemoteAdminAddressNeedsAllowRemote) {
  EXPECT_FALSE(DaemonSettings::load("", {{"admin.address", "0.0.0.0"}}).ok());
  EXPECT_TRUE(
      DaemonSettings::load("", {{"admin.address", "0.0.0.0"}, {"admin.allow_remote", "true"}})
          .ok());
  EXPECT_TRUE(DaemonSettings::load("", {{"admin.address", "::1"}}).ok());
}

}  // namespace
}  // namespace cc::app
