#include "shared_state/redis_url.h"

#include <gtest/gtest.h>

namespace cc::shared_state {
namespace {

TEST(RedisUrlTest, TcpUrlWithDefaultsAndEveryPart) {
  auto bare = parseRedisUrl("redis://127.0.0.1");
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->host, "127.0.0.1");
  EXPECT_EQ(bare->port, 6379);
  EXPECT_EQ(bare->db, 0);
  EXPECT_TRUE(bare->user.empty());
  EXPECT_FALSE(bare->isSocket());

  auto full = parseRedisUrl("redis://cc:@redis.example.net:6380/3");
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->user, "cc");
  EXPECT_EQ(full->host, "redis.example.net");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->db, 3);
  EXPECT_EQ(full->display(), "redis://cc@redis.example.net:6380/3");

  auto v6 = parseRedisUrl("redis://[::1]:7000/1");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7000);
  EXPECT_EQ(v6->display(), "redis://[::1]:7000/1");
}

TEST(RedisUrlTest, UnixSocketUrl) {
  auto url = parseRedisUrl("unix:/run/redis/redis.sock?db=2");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_TRUE(url->isSocket());
  EXPECT_EQ(url->socket_path, "/run/redis/redis.sock");
  EXPECT_EQ(url->db, 2);
  EXPECT_EQ(url->display(), "unix:/run/redis/redis.sock?db=2");
  EXPECT_EQ(parseRedisUrl("unix:/tmp/r.sock")->db, 0);
}

TEST(RedisUrlTest, BadUrlsAreRefusedNamingTheKeyAndNeverThePassword) {
  for (const char* bad :
       {"", "http://127.0.0.1", "redis://", "redis://:6379", "redis://h:0", "redis://h:65536",
        "redis://h:", "redis://h:port", "redis://h/1024", "redis://h/x", "redis://[::1",
        "redis://[::1]x", "unix:relative.sock", "unix:", "unix:/s?db=-1", "unix:/s?x=1"}) {
    auto r = parseRedisUrl(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "redis.url") << bad;
  }
  auto secret = parseRedisUrl("redis://cc:hunter2@127.0.0.1:6379/0");
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(secret.error().message.find("redis.password_file"), std::string::npos);
}

}  // namespace
}  // namespace cc::shared_state
