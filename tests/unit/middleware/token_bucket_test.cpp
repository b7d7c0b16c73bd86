#include "middleware/token_bucket.h"

#include <gtest/gtest.h>

#include "middleware/rate_limit_store.h"

namespace cc::middleware {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class TokenBucketTest : public ::testing::Test {
 protected:
  common::FakeClock clock_;
  BucketLimit five_a_minute_{5, 60, 5};
};

TEST_F(TokenBucketTest, AdmitsExactlyBurstThenRejects) {
  TokenBucket bucket(five_a_minute_, clock_.now());
  for (int i = 0; i < 5; ++i) {
    auto t = bucket.take(five_a_minute_, clock_.now());
    EXPECT_TRUE(t.admitted) << i;
    EXPECT_DOUBLE_EQ(t.tokens, 4 - i);
  }
  auto t = bucket.take(five_a_minute_, clock_.now());
  EXPECT_FALSE(t.admitted);
  EXPECT_DOUBLE_EQ(t.retry_after_s, 12.0);
  EXPECT_DOUBLE_EQ(t.full_after_s, 60.0);
}

TEST_F(TokenBucketTest, RefillsOneTokenPerIntervalExactlyOnTime) {
  TokenBucket bucket(five_a_minute_, clock_.now());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bucket.take(five_a_minute_, clock_.now()).admitted);
  clock_.advance(milliseconds(11999));
  auto early = bucket.take(five_a_minute_, clock_.now());
  EXPECT_FALSE(early.admitted);
  EXPECT_NEAR(early.retry_after_s, 0.001, 1e-6);
  clock_.advance(milliseconds(1));
  EXPECT_TRUE(bucket.take(five_a_minute_, clock_.now()).admitted);
  EXPECT_FALSE(bucket.take(five_a_minute_, clock_.now()).admitted);
}

TEST_F(TokenBucketTest, NeverHoldsMoreThanBurst) {
  TokenBucket bucket(five_a_minute_, clock_.now());
  clock_.advance(std::chrono::hours(5));
  EXPECT_DOUBLE_EQ(bucket.peek(five_a_minute_, clock_.now()), 5.0);
  BucketLimit lowered{5, 60, 2};
  EXPECT_DOUBLE_EQ(bucket.peek(lowered, clock_.now()), 2.0);
}

TEST_F(TokenBucketTest, FractionalRefillAccumulates) {
  BucketLimit ten_a_second{10, 1, 1};
  TokenBucket bucket(ten_a_second, clock_.now());
  ASSERT_TRUE(bucket.take(ten_a_second, clock_.now()).admitted);
  clock_.advance(milliseconds(50));
  EXPECT_FALSE(bucket.take(ten_a_second, clock_.now()).admitted);
  clock_.advance(milliseconds(50));
  EXPECT_TRUE(bucket.take(ten_a_second, clock_.now()).admitted);
}

class BucketStoreTest : public ::testing::Test {
 protected:
  common::FakeClock clock_;
  BucketLimit one_{1, 60, 1};
};

TEST_F(BucketStoreTest, KeysHaveSeparateBuckets) {
  ShardedLruBucketStore store(10);
  EXPECT_TRUE(store.take("a", one_, clock_.now()).admitted);
  EXPECT_FALSE(store.take("a", one_, clock_.now()).admitted);
  EXPECT_TRUE(store.take("b", one_, clock_.now()).admitted);
  EXPECT_EQ(store.size(), 2u);
}

TEST_F(BucketStoreTest, EvictsLeastRecentlyUsedKeyAtMaxKeys) {
  ShardedLruBucketStore store(3, 1);
  for (auto k : {"a", "b", "c"}) store.take(k, one_, clock_.now());
  store.take("a", one_, clock_.now());  // a is now the most recently used; b the least
  store.take("d", one_, clock_.now());
  EXPECT_EQ(store.size(), 3u);
  EXPECT_EQ(store.evictions(), 1u);
  // b was forgotten: it starts with a full bucket again. a and c kept their empty ones.
  EXPECT_TRUE(store.take("b", one_, clock_.now()).admitted);
  EXPECT_EQ(store.evictions(), 2u);  // b's return evicted c
  EXPECT_FALSE(store.take("a", one_, clock_.now()).admitted);
  EXPECT_FALSE(store.take("d", one_, clock_.now()).admitted);
}

TEST_F(BucketStoreTest, ShardedStoreNeverExceedsMaxKeys) {
  ShardedLruBucketStore store(100, 16);
  for (int i = 0; i < 1000; ++i) store.take("k" + std::to_string(i), one_, clock_.now());
  EXPECT_EQ(store.size(), 100u);
  EXPECT_EQ(store.evictions(), 900u);
}

TEST_F(BucketStoreTest, TopListsBusiestKeysFirst) {
  ShardedLruBucketStore store(10);
  for (int i = 0; i < 3; ++i) store.take("busy", one_, clock_.now());
  store.take("quiet", one_, clock_.now());
  auto top = store.top(1, one_, clock_.now());
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].key, "busy");
  EXPECT_EQ(top[0].requests, 3u);
  EXPECT_DOUBLE_EQ(top[0].tokens, 0.0);
}

TEST_F(BucketStoreTest, EraseAndClearForgetKeys) {
  ShardedLruBucketStore store(10);
  store.take("a", one_, clock_.now());
  store.take("b", one_, clock_.now());
  EXPECT_TRUE(*store.erase("a"));
  EXPECT_FALSE(*store.erase("a"));
  EXPECT_TRUE(store.take("a", one_, clock_.now()).admitted);
  EXPECT_EQ(*store.clear(), 2u);
  EXPECT_EQ(store.size(), 0u);
}

}  // namespace
}  // namespace cc::middleware
