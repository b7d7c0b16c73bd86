#include "app/daemon_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
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

TEST_F(DaemonSettingsTest, RedisIsUnusedByDefaultAndItsKeysAreCheckedWhenSet) {
  auto defaults = DaemonSettings::load("", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_FALSE(defaults.settings->redis.configured);
  EXPECT_EQ(defaults.settings->redis.timeout.count(), 50);
  EXPECT_EQ(defaults.settings->redis.ratelimit_backend, shared_state::RateLimitBackend::kLocal);
  EXPECT_EQ(defaults.settings->redis.ratelimit_failure, shared_state::RedisFailureMode::kLocal);

  auto set = DaemonSettings::load("", {{"redis.url", "unix:/run/redis/redis.sock?db=4"},
                                       {"redis.timeout_ms", "20"},
                                       {"ratelimit.redis_failure", "closed"}});
  ASSERT_TRUE(set.ok()) << set.problems.front().message;
  EXPECT_TRUE(set.settings->redis.configured);
  EXPECT_EQ(set.settings->redis.url.socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(set.settings->redis.url.db, 4);
  EXPECT_EQ(set.settings->redis.timeout.count(), 20);
  EXPECT_EQ(set.settings->redis.ratelimit_failure, shared_state::RedisFailureMode::kClosed);

  auto bad = DaemonSettings::load("", {{"redis.url", "redis://cc:secret@h/0"},
                                       {"redis.timeout_ms", "0"},
                                       {"ratelimit.backend", "memcached"},
                                       {"ratelimit.redis_failure", "maybe"}});
  EXPECT_EQ(keysOf(bad), "ratelimit.backend ratelimit.redis_failure redis.timeout_ms redis.url");
  for (const auto& p : bad.problems) EXPECT_EQ(p.message.find("secret"), std::string::npos);
}

TEST_F(DaemonSettingsTest, RedisBackendNeedsAUrl) {
  auto no_url = DaemonSettings::load("", {{"ratelimit.backend", "redis"}});
  EXPECT_EQ(keysOf(no_url), "ratelimit.backend");
  EXPECT_NE(no_url.problems[0].message.find("needs redis.url"), std::string::npos);
  auto with_url = DaemonSettings::load("", {{"ratelimit.backend", "redis"},
                                            {"ratelimit.redis_failure", "closed"},
                                            {"redis.url", "redis://127.0.0.1:6379/0"}});
  ASSERT_TRUE(with_url.problems.empty()) << with_url.problems[0].message;
  EXPECT_EQ(with_url.settings->redis.ratelimit_backend, shared_state::RateLimitBackend::kRedis);
  EXPECT_EQ(with_url.settings->redis.ratelimit_failure, shared_state::RedisFailureMode::kClosed);
}

TEST_F(DaemonSettingsTest, TheBusIsLocalByDefaultAndOnRedisNeedsAUrl) {
  auto defaults = DaemonSettings::load("", {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.settings->redis.bus_backend, shared_state::BusBackend::kLocal);
  EXPECT_EQ(defaults.settings->redis.bus_channel, "cc:bus");
  EXPECT_EQ(defaults.settings->redis.bus_reconnect_max.count(), 2000);

  auto no_url = DaemonSettings::load("", {{"bus.backend", "redis"}});
  EXPECT_EQ(keysOf(no_url), "bus.backend");
  EXPECT_NE(no_url.problems[0].message.find("needs redis.url"), std::string::npos);
  auto bad = DaemonSettings::load(
      "", {{"bus.backend", "kafka"}, {"bus.channel", ""}, {"bus.reconnect_max_ms", "10"}});
  EXPECT_EQ(keysOf(bad), "bus.backend bus.channel bus.reconnect_max_ms");
  auto set = DaemonSettings::load("", {{"bus.backend", "redis"},
                                       {"bus.channel", "prod:bus"},
                                       {"bus.reconnect_max_ms", "500"},
                                       {"redis.url", "redis://127.0.0.1:6379/0"}});
  ASSERT_TRUE(set.problems.empty()) << set.problems[0].message;
  EXPECT_EQ(set.settings->redis.bus_backend, shared_state::BusBackend::kRedis);
  EXPECT_EQ(set.settings->redis.bus_channel, "prod:bus");
  EXPECT_EQ(set.settings->redis.bus_reconnect_max.count(), 500);
  EXPECT_EQ(set.settings->redis.ratelimit_backend, shared_state::RateLimitBackend::kLocal)
      << "each switch on its own";
}

TEST_F(DaemonSettingsTest, RedisPasswordFileMustBeOwnerOnly) {
  const std::string file = ::testing::TempDir() + "cc_redis_password_" + std::to_string(::getpid());
  {
    std::ofstream out(file);
    out << "s3cret \n";
  }
  ::chmod(file.c_str(), 0644);
  auto open_to_all = DaemonSettings::load("", {{"redis.password_file", file}});
  EXPECT_EQ(keysOf(open_to_all), "redis.password_file");
  ::chmod(file.c_str(), 0600);
  auto owner_only = DaemonSettings::load("", {{"redis.password_file", file}});
  ASSERT_TRUE(owner_only.ok()) << owner_only.problems.front().message;
  EXPECT_EQ(owner_only.settings->redis.password, "s3cret");
  auto missing = DaemonSettings::load("", {{"redis.password_file", file + ".none"}});
  EXPECT_EQ(keysOf(missing), "redis.password_file");
  ::unlink(file.c_str());
}

}  // namespace
}  // namespace cc::app
