// Two daemons on one PostgreSQL and one Redis of the test's own with bus.backend = redis: a
// revocation on one ends the token on the other at once, an event on one reaches a WebSocket
// subscriber of the other, a write on one drops the other's cached answers, and a subscription
// lost with Redis is regained by itself and announced to subscribers with a resync event.

#include <Poco/Net/WebSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "support/throwaway_redis.h"
#include "support/ws_client.h"
#include "unit/eventually.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::testing {
namespace {

using Poco::Net::WebSocket;
using store::postgresql::PgTestDatabase;

class MessageBusTest : public ThrowawayRedisTest {
 protected:
  void SetUp() override {
    ThrowawayRedisTest::SetUp();
    if (IsSkipped()) return;
    if (PgTestDatabase::serverUrl().empty()) {
      GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
    }
    pg_ = std::make_unique<PgTestDatabase>();
    for (auto* daemon : {&one_, &two_}) {
      *daemon = std::make_unique<DaemonProcess>(std::vector<std::string>{
          "-D", "ratelimit.enabled=false", "-D", "db.backend=postgresql", "-D",
          "db.url=" + pg_->url(), "-D", "bus.backend=redis", "-D", "redis.url=" + redis_.url(),
          "-D", "redis.password_file=" + redis_.passwordFile(),
          // Generous for a loaded test machine: a slow answer must not be taken for a dead Redis.
          "-D", "redis.timeout_ms=2000", "-D", "bus.reconnect_max_ms=200",
          // Cached tokens are never looked up again: only the bus can end one.
          "-D", "auth.token_cache_lifetime_ms=0",
          // Agent lists cached for a minute: only the bus can drop them in time.
          "-D", "cache.rules=agents", "-D", "cache.rule.agents.paths=/api/agents", "-D",
          "cache.rule.agents.ttl_ms=60000"});
      (*daemon)->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
      ASSERT_TRUE((*daemon)->start()) << (*daemon)->log();
    }
    for (auto* daemon : {one_.get(), two_.get()}) {
      ASSERT_TRUE(
          eventually([&] { return busState(*daemon) == "subscribed"; }, std::chrono::seconds(10)))
          << daemon->admin("GET", "/admin/status").body;
    }
  }
  void TearDown() override {
    one_.reset();  // both before their database goes
    two_.reset();
    pg_.reset();
  }

  static std::string busState(DaemonProcess& d) {
    return jsonField(d.admin("GET", "/admin/status").body, "bus.state");
  }

  // A subscriber of `topics` on `d`'s event stream, once the daemon confirmed the subscription.
  static std::unique_ptr<WebSocket> subscriber(DaemonProcess& d, const std::string& token,
                                               const std::string& topics) {
    auto ws = connectWebSocket(d.httpAddress(), "/api/system/ws?token=" + token);
    sendText(*ws, R"({"type":"subscribe","topics":[)" + topics + "]}");
    EXPECT_EQ(frameOfType(*ws, "subscribed").type(), "subscribed");
    return ws;
  }

  std::unique_ptr<PgTestDatabase> pg_;
  std::unique_ptr<DaemonProcess> one_;
  std::unique_ptr<DaemonProcess> two_;
};

TEST_F(MessageBusTest, ALogoutOnOneEndsTheTokenOnTheOtherAtOnce) {
  const std::string token = loginToken(*one_, "admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(two_->get("/api/auth/validate", jsonHeaders(token)).status, 200);  // cached there
  ASSERT_EQ(two_->get("/api/auth/validate", jsonHeaders(token)).status, 200);

  ASSERT_EQ(one_->request("POST", "/api/auth/logout", "", jsonHeaders(token)).status, 204);
  EXPECT_TRUE(
      eventually([&] { return two_->get("/api/auth/validate", jsonHeaders(token)).status == 401; },
                 std::chrono::seconds(5)))
      << "the other daemon still takes the token it had cached";
  EXPECT_NE(jsonField(one_->admin("GET", "/admin/status").body, "bus.published"), "0");
  EXPECT_NE(jsonField(two_->admin("GET", "/admin/status").body, "bus.received"), "0");

  // A user disabled on one: their other token ends on the other too.
  ASSERT_EQ(one_->admin("POST", "/admin/users",
                        R"({"username":"dora","password":"dora-password","role":"viewer"})")
                .status,
            201);
  const std::string dora = loginToken(*two_, "dora", "dora-password");
  ASSERT_EQ(two_->get("/api/agents", jsonHeaders(dora)).status, 200);
  ASSERT_EQ(one_->admin("PATCH", "/admin/users/dora", R"({"disabled":true})").status, 200);
  EXPECT_TRUE(
      eventually([&] { return two_->get("/api/auth/validate", jsonHeaders(dora)).status == 401; },
                 std::chrono::seconds(5)));
}

TEST_F(MessageBusTest, AnEventOnOneReachesASubscriberOfTheOther) {
  const std::string token = loginToken(*one_, "admin", kAdminPassword);
  auto ws = subscriber(*two_, token, R"("agents")");
  auto created = createAgent(*one_, token, "from-the-other");
  ASSERT_EQ(created.status, 201) << created.body;
  Frame remote = frameOfType(*ws, "agent.created");
  EXPECT_EQ(jsonField(remote.payload, "agent.name"), "from-the-other") << remote.payload;
  EXPECT_EQ(jsonField(remote.payload, "id"), jsonField(created.body, "id"));

  // In the order they were made on that daemon.
  const std::string id = jsonField(created.body, "id");
  ASSERT_EQ(one_->request("PATCH", "/api/agents/" + id, R"({"status":"busy"})", jsonHeaders(token))
                .status,
            200);
  ASSERT_EQ(one_->request("DELETE", "/api/agents/" + id, "", jsonHeaders(token)).status, 204);
  EXPECT_EQ(frameOfType(*ws, "agent.updated").type(), "agent.updated");
  Frame deleted = frameOfType(*ws, "agent.deleted");
  EXPECT_EQ(jsonField(deleted.payload, "id"), id) << deleted.payload;
}

TEST_F(MessageBusTest, AWriteOnOneDropsTheOthersCachedAnswers) {
  const std::string token = loginToken(*one_, "admin", kAdminPassword);
  auto before = two_->get("/api/agents", jsonHeaders(token));
  ASSERT_EQ(before.status, 200);
  ASSERT_EQ(jsonField(before.body, "total"), "0");
  ASSERT_EQ(createAgent(*one_, token, "fresh").status, 201);
  EXPECT_TRUE(eventually(
      [&] { return jsonField(two_->get("/api/agents", jsonHeaders(token)).body, "total") == "1"; },
      std::chrono::seconds(5)))
      << "the other daemon still serves its cached list (kept a minute)";
}

TEST_F(MessageBusTest, ASubscriptionLostWithRedisIsRegainedAndSubscribersAreToldToResync) {
  const std::string token = loginToken(*one_, "admin", kAdminPassword);
  auto ws = subscriber(*two_, token, R"("agents","projects")");
  auto published = [&] {
    return std::stoll(jsonField(one_->admin("GET", "/admin/status").body, "bus.published"));
  };
  const long long published_before = published();
  redis_.stop();
  ASSERT_TRUE(
      eventually([&] { return busState(*two_) == "connecting"; }, std::chrono::seconds(10)));
  EXPECT_EQ(jsonField(two_->get("/health").body, "checks.bus.status"), "warn");
  EXPECT_EQ(two_->get("/health/ready").status, 200) << "a lost bus is no reason to pull a daemon";
  // Requests do not wait for Redis meanwhile.
  EXPECT_EQ(createAgent(*one_, token, "during-the-outage").status, 201);

  ASSERT_TRUE(redis_.start());
  Frame resync = frameOfType(*ws, "resync");
  EXPECT_EQ(jsonField(resync.payload, "reason"), "bus_reconnected") << resync.payload;
  ASSERT_TRUE(
      eventually([&] { return busState(*one_) == "subscribed"; }, std::chrono::seconds(10)));
  EXPECT_NE(jsonField(two_->admin("GET", "/admin/status").body, "bus.resyncs"), "0");
  EXPECT_EQ(jsonField(two_->get("/health").body, "checks.bus.status"), "pass");

  // Nothing announced meanwhile is lost by the publisher: it kept the messages and sends them
  // once Redis is back, in order, before what comes after. (A subscriber that was not back yet
  // when they went out misses them, as pub/sub does: that is what its resync is for.)
  auto after = createAgent(*one_, token, "after-the-outage");
  ASSERT_EQ(after.status, 201) << after.body;
  std::vector<std::string> names;
  for (int i = 0; i < 3 && (names.empty() || names.back() != "after-the-outage"); ++i) {
    names.push_back(jsonField(frameOfType(*ws, "agent.created").payload, "agent.name"));
  }
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.back(), "after-the-outage");
  if (names.size() > 1) {
    EXPECT_EQ(names.front(), "during-the-outage");
  }
  // Two creates, an event and an invalidation each.
  EXPECT_TRUE(eventually([&] { return published() >= published_before + 4; }));
  const std::string status = one_->admin("GET", "/admin/status").body;
  EXPECT_NE(jsonField(status, "bus.publish_failures"), "0") << status;
  EXPECT_EQ(jsonField(status, "bus.dropped"), "0") << status;
}

}  // namespace
}  // namespace cc::testing
