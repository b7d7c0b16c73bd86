#include "shared_state/redis_pool.h"

#include <Poco/Redis/Type.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <thread>

#include "shared_state/redis_script.h"
#include "support/throwaway_redis.h"
#include "unit/eventually.h"

namespace cc::shared_state {
namespace {

using Poco::Redis::Array;
using Poco::Redis::BulkString;

std::string envOrEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

std::string firstLineOf(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

RedisSettings settingsFor(const std::string& url, const std::string& password,
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(1000)) {
  RedisSettings s;
  auto parsed = parseRedisUrl(url);
  if (!parsed) throw std::runtime_error(parsed.error().message);
  s.url = *parsed;
  s.configured = true;
  s.password = password;
  s.timeout = timeout;
  return s;
}

Array command(std::initializer_list<std::string> words) {
  Array a;
  for (const auto& w : words) a << w;
  return a;
}

// The text of a bulk or simple string reply; "<null>" for a null bulk string.
std::string textOf(const RedisReply& reply) {
  if (auto* bulk = dynamic_cast<const Poco::Redis::Type<BulkString>*>(reply.get())) {
    return bulk->value().isNull() ? "<null>" : bulk->value().value();
  }
  if (auto* simple = dynamic_cast<const Poco::Redis::Type<std::string>*>(reply.get())) {
    return simple->value();
  }
  return "<other>";
}

std::string uniqueKey(const std::string& what) {
  std::random_device random;
  return "cc:test:pool:" + what + ":" + std::to_string(random());
}

// The run's shared server (scripts/test.sh starts it); skips only when it is not there.
class RedisPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp_url_ = envOrEmpty("CC_TEST_REDIS_URL");
    socket_url_ = envOrEmpty("CC_TEST_REDIS_SOCKET_URL");
    std::string file = envOrEmpty("CC_TEST_REDIS_PASSWORD_FILE");
    if (tcp_url_.empty() || socket_url_.empty() || file.empty()) {
      GTEST_SKIP() << "CC_TEST_REDIS_* are unset; scripts/test.sh starts a Redis and sets them";
    }
    password_ = firstLineOf(file);
  }

  common::FakeClock clock_;
  std::string tcp_url_;
  std::string socket_url_;
  std::string password_;
};

TEST_F(RedisPoolTest, TcpCommandsShareOneAuthenticatedConnection) {
  RedisPool pool(settingsFor(tcp_url_, password_), clock_, {});
  const std::string key = uniqueKey("tcp");
  auto set = pool.execute(command({"SET", key, "v1", "PX", "60000"}));
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(textOf(*set), "OK");
  auto get = pool.execute(command({"GET", key}));
  ASSERT_TRUE(get) << get.error().message;
  EXPECT_EQ(textOf(*get), "v1");

  RedisPoolStats s = pool.stats();
  EXPECT_EQ(s.connections, 1u);
  EXPECT_EQ(s.borrows, 2u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.discards, 0u);
  EXPECT_EQ(s.idle, 1u);
  EXPECT_EQ(s.in_use, 0u);
  EXPECT_FALSE(s.down);
}

TEST_F(RedisPoolTest, UnixSocketUrlWorksAsTcpDoes) {
  RedisPool pool(settingsFor(socket_url_, password_), clock_, {});
  auto pong = pool.execute(command({"PING"}));
  ASSERT_TRUE(pong) << pong.error().message;
  EXPECT_EQ(textOf(*pong), "PONG");
  EXPECT_EQ(pool.stats().connections, 1u);
}

TEST_F(RedisPoolTest, EveryConnectionSelectsTheUrlsDatabase) {
  RedisSettings in_db7 = settingsFor(tcp_url_, password_);
  in_db7.url.db = 7;
  RedisPool db7(in_db7, clock_, {});
  RedisPool db0(settingsFor(tcp_url_, password_), clock_, {});
  const std::string key = uniqueKey("db");
  ASSERT_TRUE(db7.execute(command({"SET", key, "seven", "PX", "60000"})));
  auto seen_in_7 = db7.execute(command({"GET", key}));
  auto seen_in_0 = db0.execute(command({"GET", key}));
  ASSERT_TRUE(seen_in_7 && seen_in_0);
  EXPECT_EQ(textOf(*seen_in_7), "seven");
  EXPECT_EQ(textOf(*seen_in_0), "<null>");
}

TEST_F(RedisPoolTest, WrongPasswordFailsWithoutAConnectionAndIsNotRetriedAtOnce) {
  RedisPool pool(settingsFor(tcp_url_, password_ + "-wrong"), clock_, {});
  auto first = pool.execute(command({"PING"}));
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_NE(first.error().message.find("AUTH refused"), std::string::npos) << first.error().message;
  EXPECT_EQ(first.error().message.find(password_), std::string::npos) << "never the password";
  EXPECT_TRUE(pool.stats().down);

  // Within the fail-fast window: no new attempt.
  auto second = pool.execute(command({"PING"}));
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("not retried yet"), std::string::npos);

  // Past it, one more attempt (refused again).
  clock_.advance(std::chrono::seconds(2));
  auto third = pool.execute(command({"PING"}));
  ASSERT_FALSE(third);
  EXPECT_NE(third.error().message.find("AUTH refused"), std::string::npos);

  RedisPoolStats s = pool.stats();
  EXPECT_EQ(s.connections, 0u);
  EXPECT_EQ(s.failures, 3u);
  EXPECT_EQ(s.idle + s.in_use, 0u);
  EXPECT_NE(s.last_error.find("AUTH refused"), std::string::npos);
}

TEST_F(RedisPoolTest, WithoutAPasswordTheServersRefusalIsAReply) {
  RedisPool pool(settingsFor(tcp_url_, ""), clock_, {});
  auto reply = pool.execute(command({"GET", uniqueKey("noauth")}));
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_NE(redisErrorText(*reply).find("NOAUTH"), std::string::npos) << redisErrorText(*reply);
  // The connection is in step with the server: kept.
  EXPECT_EQ(pool.stats().idle, 1u);
  EXPECT_EQ(pool.stats().discards, 0u);
}

TEST_F(RedisPoolTest, ATimeoutDiscardsTheConnection) {
  RedisPool pool(settingsFor(tcp_url_, password_, std::chrono::milliseconds(50)), clock_, {});
  ASSERT_TRUE(pool.execute(command({"PING"})));
  // BLPOP on an empty list blocks for 2 s on the server; the pool gives up at 50 ms.
  auto blocked = pool.execute(command({"BLPOP", uniqueKey("empty"), "2"}));
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, common::ErrorCode::kDependencyUnavailable);
  RedisPoolStats s = pool.stats();
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.discards, 1u);
  EXPECT_EQ(s.idle + s.in_use, 0u) << "the connection out of step is gone";

  // Once the fail-fast window is over, a fresh connection; the late BLPOP reply never reaches it.
  clock_.advance(std::chrono::seconds(2));
  auto pong = pool.execute(command({"PING"}));
  ASSERT_TRUE(pong) << pong.error().message;
  EXPECT_EQ(textOf(*pong), "PONG");
  EXPECT_EQ(pool.stats().connections, 2u);
}

TEST_F(RedisPoolTest, ABusyPoolMakesTheNextCommandWaitForAConnectionNotOpenAnother) {
  RedisPool::Options one;
  one.max_connections = 1;
  RedisPool pool(settingsFor(tcp_url_, password_), clock_, one);
  const std::string empty = uniqueKey("busy");
  common::Result<RedisReply> held = common::Error::badRequest("not run");
  std::thread holder([&] { held = pool.execute(command({"BLPOP", empty, "0.3"})); });
  ASSERT_TRUE(cc::testing::eventually([&] { return pool.stats().in_use == 1; }));
  auto pong = pool.execute(command({"PING"}));
  holder.join();
  ASSERT_TRUE(held) << held.error().message;
  ASSERT_TRUE(pong) << pong.error().message;
  EXPECT_EQ(textOf(*pong), "PONG");
  EXPECT_EQ(pool.stats().connections, 1u);
  EXPECT_EQ(pool.stats().max, 1u);
}

TEST_F(RedisPoolTest, AScriptIsSentInFullOnlyWhenTheServerLacksIt) {
  RedisPool pool(settingsFor(tcp_url_, password_), clock_, {});
  // A source of its own, so that no other run has loaded it.
  RedisScript script("-- " + uniqueKey("script") + "\nreturn {tonumber(ARGV[1]) + 1, #KEYS}");
  auto first = evalScript(pool, script, {"k1", "k2"}, {"41"});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(replyInteger(*first, 0), 42);
  EXPECT_EQ(replyInteger(*first, 1), 2);
  EXPECT_EQ(pool.stats().borrows, 2u) << "EVALSHA answered NOSCRIPT, then EVAL";
  auto second = evalScript(pool, script, {"k1", "k2"}, {"1"});
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(replyInteger(*second, 0), 2);
  EXPECT_EQ(pool.stats().borrows, 3u) << "EVALSHA alone";
  EXPECT_EQ(replyInteger(*second, 5), std::nullopt);

  auto broken = evalScript(pool, RedisScript("return redis.call('NOSUCHCOMMAND')"), {}, {});
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_NE(broken.error().message.find("script refused"), std::string::npos);
  EXPECT_EQ(pool.stats().discards, 0u) << "an error reply leaves the connection in step";
}

// Fault cases on a server of the test's own.
class RedisPoolFaultTest : public cc::testing::ThrowawayRedisTest {
 protected:
  common::FakeClock clock_;
};

TEST_F(RedisPoolFaultTest, StoppedRedisFailsFastAndIsUsedAgainOnceBack) {
  RedisPool pool(settingsFor(redis_.url(), redis_.password()), clock_, {});
  ASSERT_TRUE(pool.execute(command({"PING"})));
  redis_.stop();

  auto while_down = pool.execute(command({"PING"}));
  ASSERT_FALSE(while_down);
  EXPECT_EQ(while_down.error().code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_EQ(pool.stats().discards, 1u);
  EXPECT_TRUE(pool.stats().down);
  auto fast = pool.execute(command({"PING"}));
  ASSERT_FALSE(fast);
  EXPECT_NE(fast.error().message.find("not retried yet"), std::string::npos);

  // Still down past the window: a connect attempt, refused.
  clock_.advance(std::chrono::seconds(2));
  ASSERT_FALSE(pool.execute(command({"PING"})));
  EXPECT_EQ(pool.stats().failures, 3u);

  ASSERT_TRUE(redis_.start());
  clock_.advance(std::chrono::seconds(2));
  auto back = pool.execute(command({"PING"}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(textOf(*back), "PONG");
  EXPECT_FALSE(pool.stats().down);
  EXPECT_EQ(pool.stats().connections, 2u);
}

TEST_F(RedisPoolFaultTest, AnIdleConnectionTheServerDroppedIsReplacedAfterItsPing) {
  RedisPool pool(settingsFor(redis_.url(), redis_.password()), clock_, {});
  ASSERT_TRUE(pool.execute(command({"PING"})));
  redis_.stop();
  ASSERT_TRUE(redis_.start());
  // Idle past idle_check: the PING on borrow finds the old connection dead, a new one serves.
  clock_.advance(std::chrono::seconds(6));
  auto reply = pool.execute(command({"PING"}));
  ASSERT_TRUE(reply) << reply.error().message;
  RedisPoolStats s = pool.stats();
  EXPECT_EQ(s.discards, 1u);
  EXPECT_EQ(s.failures, 0u) << "a dead idle connection is no failure of the command";
  EXPECT_EQ(s.connections, 2u);
}

}  // namespace
}  // namespace cc::shared_state
