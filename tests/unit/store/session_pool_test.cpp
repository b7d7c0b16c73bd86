#include "store/session_pool.h"

#include <Poco/Data/SQLite/Connector.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/deadline.h"
#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

using common::ErrorCode;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using std::chrono::milliseconds;
using std::chrono::seconds;

class SessionPoolTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    Poco::Data::SQLite::Connector::registerConnector();
    pool_options_.min = 0;
    pool_options_.max = 2;
    pool_options_.acquire_timeout = milliseconds(100);
  }

  SessionPool& pool() {
    if (!pool_) {
      pool_ = std::make_unique<SessionPool>(
          pool_options_,
          [this] {
            ++opened_;
            if (fail_open_) throw Poco::IOException("cannot open");
            return std::make_unique<Poco::Data::Session>("SQLite", options_.path);
          },
          clock_);
    }
    return *pool_;
  }

  static int selectOne(SessionLease& lease) {
    int one = 0;
    lease.session() << "SELECT 1", into(one), now;
    return one;
  }

  PoolOptions pool_options_;
  std::unique_ptr<SessionPool> pool_;
  std::atomic<int> opened_{0};
  bool fail_open_ = false;
};

TEST_F(SessionPoolTest, WaiterGivesUpWithPoolExhaustedAfterTheAcquireTimeout) {
  auto a = pool().acquire(kNoDeadline);
  auto b = pool().acquire(kNoDeadline);
  ASSERT_TRUE(a.ok() && b.ok());

  auto started = std::chrono::steady_clock::now();
  auto c = pool().acquire(kNoDeadline);
  auto waited = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, ErrorCode::kDbPoolExhausted);
  EXPECT_GE(c.error().retry_after_s, 1);
  EXPECT_GE(waited, milliseconds(90));
  auto stats = pool().stats();
  EXPECT_EQ(stats.timeouts_total, 1u);
  EXPECT_EQ(stats.acquired_total, 2u);
  EXPECT_EQ(stats.in_use, 2);
  EXPECT_EQ(stats.size, 2);
  EXPECT_EQ(stats.waiting, 0);
}

TEST_F(SessionPoolTest, WaiterGetsTheSessionReleasedDuringItsWait) {
  pool_options_.max = 1;
  pool_options_.acquire_timeout = milliseconds(10000);
  auto held = pool().acquire(kNoDeadline);
  ASSERT_TRUE(held.ok());
  std::thread releaser([&] {
    while (pool().stats().waiting == 0) std::this_thread::yield();
    SessionLease gone = std::move(*held);
  });
  auto waited = pool().acquire(kNoDeadline);
  releaser.join();
  ASSERT_TRUE(waited.ok()) << waited.error().message;
  EXPECT_EQ(selectOne(*waited), 1);
  EXPECT_EQ(pool().stats().timeouts_total, 0u);
  EXPECT_EQ(opened_.load(), 1);
}

TEST_F(SessionPoolTest, DeadlineShorterThanAcquireTimeoutGivesTimeout) {
  pool_options_.max = 1;
  pool_options_.acquire_timeout = milliseconds(60000);
  auto held = pool().acquire(kNoDeadline);
  ASSERT_TRUE(held.ok());

  auto started = std::chrono::steady_clock::now();
  auto late = pool().acquire(clock_.now() + milliseconds(50));
  auto waited = std::chrono::steady_clock::now() - started;

  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kTimeout);
  EXPECT_GE(waited, milliseconds(45));
  EXPECT_LT(waited, milliseconds(30000));
  EXPECT_EQ(pool().stats().timeouts_total, 1u);
}

TEST_F(SessionPoolTest, ExpiredDeadlineFailsWithoutWaitingEvenWhenSessionsAreFree) {
  auto late = pool().acquire(clock_.now() - milliseconds(1));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kTimeout);
}

TEST_F(SessionPoolTest, SessionsPastMaxLifetimeAreRecycled) {
  pool_options_.max_lifetime = seconds(3600);
  { ASSERT_TRUE(pool().acquire(kNoDeadline).ok()); }
  { ASSERT_TRUE(pool().acquire(kNoDeadline).ok()); }
  EXPECT_EQ(pool().stats().created_total, 1u);  // reused while young

  clock_.advance(seconds(3601));
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(selectOne(*lease), 1);
  auto stats = pool().stats();
  EXPECT_EQ(stats.created_total, 2u);
  EXPECT_EQ(stats.recycled_total, 1u);
  EXPECT_EQ(stats.size, 1);
}

TEST_F(SessionPoolTest, IdleSessionsAboveMinAreClosed) {
  pool_options_.min = 1;
  pool_options_.max = 4;
  pool_options_.idle = seconds(300);
  {
    auto a = pool().acquire(kNoDeadline);
    auto b = pool().acquire(kNoDeadline);
    auto c = pool().acquire(kNoDeadline);
  }
  EXPECT_EQ(pool().stats().idle, 3);
  clock_.advance(seconds(301));
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  auto stats = pool().stats();
  EXPECT_EQ(stats.size, 1);
  EXPECT_EQ(stats.in_use, 1);
  EXPECT_EQ(stats.idle, 0);
}

TEST_F(SessionPoolTest, ValidationOnBorrowReplacesABrokenSession) {
  {
    auto lease = pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    lease->session().close();  // the connection dies while pooled
  }
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(selectOne(*lease), 1);
  auto stats = pool().stats();
  EXPECT_EQ(stats.validation_failures_total, 1u);
  EXPECT_EQ(stats.created_total, 2u);
  EXPECT_EQ(stats.size, 1);
}

TEST_F(SessionPoolTest, WithoutValidationABrokenSessionIsHandedOut) {
  pool_options_.validate_on_borrow = false;
  {
    auto lease = pool().acquire(kNoDeadline);
    lease->session().close();
  }
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_ANY_THROW(selectOne(*lease));
  EXPECT_EQ(pool().stats().validation_failures_total, 0u);
}

TEST_F(SessionPoolTest, BrokenLeaseIsClosedOnRelease) {
  {
    auto lease = pool().acquire(kNoDeadline);
    lease->markBroken();
  }
  EXPECT_EQ(pool().stats().size, 0);
  ASSERT_TRUE(pool().acquire(kNoDeadline).ok());
  EXPECT_EQ(pool().stats().created_total, 2u);
}

TEST_F(SessionPoolTest, FailingFactoryGivesDependencyUnavailableAndFreesTheSlot) {
  fail_open_ = true;
  auto lease = pool().acquire(kNoDeadline);
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_GE(lease.error().retry_after_s, 1);
  EXPECT_EQ(pool().stats().size, 0);
  fail_open_ = false;
  EXPECT_TRUE(pool().acquire(kNoDeadline).ok());
}

TEST_F(SessionPoolTest, PrefillOpensMinSessions) {
  pool_options_.min = 2;
  ASSERT_TRUE(pool().prefill().ok());
  auto stats = pool().stats();
  EXPECT_EQ(stats.size, 2);
  EXPECT_EQ(stats.idle, 2);
  EXPECT_EQ(opened_.load(), 2);
}

TEST_F(SessionPoolTest, StatsJsonHasExactlyTheDocumentedNamesAndCumulativeBuckets) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool().acquire(kNoDeadline).ok());
  auto json = pool().stats().toJson();
  std::vector<std::string> names;
  json->getNames(names);
  std::vector<std::string> expected = {"acquired_total", "idle",    "in_use", "max", "min", "size",
                                       "timeouts_total", "wait_ms", "waiting"};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, expected);
  EXPECT_EQ(json->getValue<int>("acquired_total"), 3);
  auto wait = json->getObject("wait_ms");
  EXPECT_EQ(wait->getValue<int>("count"), 3);
  EXPECT_TRUE(wait->has("sum"));
  auto buckets = wait->getObject("buckets");
  EXPECT_EQ(buckets->size(), 11u);
  EXPECT_EQ(buckets->getValue<int>("+Inf"), 3);
  uint64_t previous = 0;
  for (const char* label : WaitHistogram::kLabels) {
    auto v = buckets->getValue<uint64_t>(label);
    EXPECT_GE(v, previous) << label;
    previous = v;
  }
}

TEST(WaitHistogramTest, ValuesLandInTheFirstBucketThatHoldsThem) {
  WaitHistogram h;
  h.record(0.05);
  h.record(0.1);
  h.record(3);
  h.record(7000);
  EXPECT_EQ(h.cumulative(0), 2u);  // <= 0.1
  EXPECT_EQ(h.cumulative(2), 2u);  // <= 1
  EXPECT_EQ(h.cumulative(3), 3u);  // <= 5
  EXPECT_EQ(h.cumulative(9), 3u);  // <= 5000
  EXPECT_EQ(h.cumulative(10), 4u);
  EXPECT_DOUBLE_EQ(h.sum_ms, 7003.15);
}

}  // namespace
}  // namespace cc::store
