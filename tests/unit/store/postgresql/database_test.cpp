// The PostgreSQL Database: statements prepared once per connection, transactions retried on a
// serialization failure, the deadline as statement_timeout, and two stores on one database.

#include "store/postgresql/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"
#include "store/store.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::store::postgresql {
namespace {

using common::ErrorCode;
using common::Status;
using Poco::Data::Session;

TEST(PgPlaceholdersTest, AreNumberedInOrderOutsideQuotes) {
  EXPECT_EQ(sql::numberPlaceholders("SELECT a FROM t WHERE b = ? AND c > ? LIMIT ?"),
            "SELECT a FROM t WHERE b = $1 AND c > $2 LIMIT $3");
  EXPECT_EQ(sql::numberPlaceholders("SELECT '?', \"x?\" FROM t WHERE a = ? AND b = 'it''s?'"),
            "SELECT '?', \"x?\" FROM t WHERE a = $1 AND b = 'it''s?'");
  EXPECT_EQ(sql::numberPlaceholders("SELECT 1"), "SELECT 1");
}

TEST(PgContainsPatternTest, TakesLikeWildcardsLiterally) {
  EXPECT_EQ(sql::containsPattern("abc"), "%abc%");
  EXPECT_EQ(sql::containsPattern("5%_a\\b"), "%5\\%\\_a\\\\b%");
}

class PgDatabaseTest : public PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    if (IsSkipped()) return;
    options_.backend = StoreBackend::kPostgresql;
    options_.postgresql = db_->settings();
    options_.pool.min = 1;
    options_.pool.max = 4;
  }
  std::unique_ptr<Store> openStore() {
    auto store = Store::open(options_, clock_);
    EXPECT_TRUE(store.ok()) << store.error().message;
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::unique_ptr<Database> openDatabase() {
    auto db = Database::open(options_, clock_);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return db.ok() ? std::move(*db) : nullptr;
  }
  common::FakeClock clock_;
  StoreOptions options_;
};

TEST_F(PgDatabaseTest, AStatementIsPreparedOncePerConnectionAndReused) {
  options_.pool.max = 1;  // one connection, so every call below meets the same one
  auto db = openDatabase();
  ASSERT_NE(db, nullptr);
  auto prepared = [&] {
    return db->read(kNoDeadline, [](Session& s) -> common::Result<int64_t> {
      return sql::scalar(s, "SELECT COUNT(*) FROM pg_prepared_statements");
    });
  };
  auto twice = [&](int64_t n) {
    return db->read(kNoDeadline, [n](Session& s) -> common::Result<int64_t> {
      return sql::scalar(s, "SELECT ? + 1", {n});
    });
  };
  ASSERT_EQ(*twice(1), 2);
  const int64_t before = *prepared();
  EXPECT_EQ(*twice(41), 42);
  EXPECT_EQ(*twice(-1), 0);
  // The count query and `SELECT ? + 1` are both prepared by now: nothing new on the server.
  EXPECT_EQ(*prepared(), before);
  auto lease = db->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(sql::cachedStatements(lease->session()), 2u);
}

TEST_F(PgDatabaseTest, ASerializationFailureRunsTheTransactionAgainAndABoundedNumberOfTimes) {
  auto db = openDatabase();
  ASSERT_NE(db, nullptr);
  const std::string fail40001 =
      "DO $$ BEGIN RAISE EXCEPTION 'rehearsed' USING ERRCODE = '40001'; END $$";
  int runs = 0;
  Status once = db->write(kNoDeadline, [&](Session& s) -> Status {
    if (++runs == 1) execSimple(s, fail40001);
    return common::Ok{};
  });
  EXPECT_TRUE(once.ok()) << once.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(db->retriesTotal(), 1u);

  runs = 0;
  Status always = db->write(kNoDeadline, [&](Session& s) -> Status {
    ++runs;
    execSimple(s, fail40001);
    return common::Ok{};
  });
  ASSERT_FALSE(always.ok());
  EXPECT_EQ(always.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(always.error().message.find("rehearsed"), std::string::npos);
  EXPECT_EQ(runs, Database::kAttempts);
}

TEST_F(PgDatabaseTest, AStatementPastTheDeadlineIsCancelledAsATimeoutAndTheSessionStaysUsable) {
  options_.pool.max = 1;
  auto db = openDatabase();
  ASSERT_NE(db, nullptr);
  // A FakeClock keeps the budget at 300 ms however long the statement runs.
  Status slow = db->read(clock_.now() + std::chrono::milliseconds(300), [](Session& s) -> Status {
    execSimple(s, "SELECT pg_sleep(30)");
    return common::Ok{};
  });
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, ErrorCode::kTimeout) << slow.error().message;
  // The limit was the transaction's own (SET LOCAL): the next one has none.
  auto timeout = db->read(kNoDeadline, [](Session& s) -> common::Result<std::string> {
    return execSimple(s, "SHOW statement_timeout");
  });
  ASSERT_TRUE(timeout.ok()) << timeout.error().message;
  EXPECT_EQ(*timeout, "0");
}

TEST_F(PgDatabaseTest, ATakenUsernameIsAConflictAndTheFirstAccountStays) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  Status first = store->users().create({{"x", domain::Role::kAdmin, 1, false}, "hash"});
  ASSERT_TRUE(first.ok()) << first.error().message;
  // The second create is refused (kConflict) without an exception; the first stays.
  Status again = store->users().create({{"x", domain::Role::kViewer, 2, false}, "hash"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(store->users().find("x")->user.role, domain::Role::kAdmin);
}

TEST_F(PgDatabaseTest, BackupIsRefusedNamingPgDumpAndTheSqliteViewsAreEmpty) {
  auto store = openStore();
  ASSERT_NE(store, nullptr);
  Status backup = store->backup(::testing::TempDir() + "/cc_pg_backup.db");
  ASSERT_FALSE(backup.ok());
  EXPECT_EQ(backup.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(backup.error().message.find("pg_dump"), std::string::npos) << backup.error().message;
  EXPECT_EQ(store->commitStats().batches_total, 0u);
  EXPECT_FALSE(store->storage().full);
  EXPECT_TRUE(store->ping().ok());
  EXPECT_TRUE(store->probeWrite().ok());
}

// Readiness asks the server, not the pool: a pool busy serving and injected faults (which
// rehearse failing requests) would make a pooled SELECT 1 report a server that is fine as down.
TEST_F(PgDatabaseTest, TheServerProbeIgnoresABusyPoolAndInjectedFaults) {
  options_.pool.max = 1;
  options_.pool.acquire_timeout = std::chrono::milliseconds(100);
  auto db = openDatabase();
  ASSERT_NE(db, nullptr);
  {
    auto held = db->pool().acquire(kNoDeadline);
    ASSERT_TRUE(held.ok());
    EXPECT_FALSE(db->ping(clock_.now() + std::chrono::seconds(5)).ok());
    Status st = db->probeServer(clock_.now() + std::chrono::seconds(5));
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  db->faults().set({0, 1.0});
  EXPECT_FALSE(db->ping(clock_.now() + std::chrono::seconds(5)).ok());
  Status st = db->probeServer(clock_.now() + std::chrono::seconds(5));
  EXPECT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(db->faults().injectedErrors(), 1U);
}

// Two stores on one database, as two daemons behind a balancer: the unique indexes, not a
// writer lock, keep names unique, and the counts stay exact.
TEST_F(PgDatabaseTest, ConcurrentCreatesFromTwoStoresKeepNamesUniqueAndCountsExact) {
  auto first = openStore();
  auto second = openStore();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int kNames = 20;
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Store& store = t % 2 == 0 ? *first : *second;
    threads.emplace_back([&] {
      for (int i = 0; i < kNames; ++i) {
        domain::AgentInput in;
        in.name = "agent-" + std::to_string(i);
        in.level = domain::AgentLevel::kL1;
        in.role = "worker";
        auto a = store.agents().create(in);
        if (a.ok()) {
          ++created;
        } else if (a.error().code == ErrorCode::kConflict) {
          ++conflicts;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), kNames);
  EXPECT_EQ(conflicts.load(), 3 * kNames);
  EXPECT_EQ(other.load(), 0);
  auto stats = second->agents().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->total, kNames);
  EXPECT_EQ(stats->by_status["idle"], kNames);
  domain::AgentFilter all;
  all.window.limit = 100;
  auto page = first->agents().list(all);
  ASSERT_TRUE(page.ok());
  std::set<std::string> names;
  for (const auto& a : page->items) names.insert(a.name);
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kNames));
}

}  // namespace
}  // namespace cc::store::postgresql
