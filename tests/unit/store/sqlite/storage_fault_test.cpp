#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

// How the store classifies SQLite failures, and how it recovers from the ones that spoil a
// connection (read-only, I/O, replaced file) and from a full disk.

namespace cc::store::sqlite {
namespace {

using common::ErrorCode;
using Poco::Data::Keywords::now;

TEST(ClassifySqliteErrorTest, FullDiskIsInsufficientStorageAndKeepsTheConnection) {
  for (int rc : {SQLITE_FULL}) {
    auto f = classifySqliteError(rc);
    EXPECT_EQ(f.code, ErrorCode::kInsufficientStorage) << rc;
    EXPECT_FALSE(f.reopen) << rc;
  }
}

TEST(ClassifySqliteErrorTest, FileFaultsAreUnavailableAndReopenTheConnection) {
  for (int rc : {SQLITE_READONLY, SQLITE_READONLY_DBMOVED, SQLITE_READONLY_CANTINIT, SQLITE_IOERR,
                 SQLITE_IOERR_WRITE, SQLITE_IOERR_FSYNC, SQLITE_IOERR_SHMMAP, SQLITE_CANTOPEN,
                 SQLITE_NOTADB, SQLITE_CORRUPT, SQLITE_PERM, SQLITE_AUTH}) {
    auto f = classifySqliteError(rc);
    EXPECT_EQ(f.code, ErrorCode::kDependencyUnavailable) << sqlite3_errstr(rc);
    EXPECT_TRUE(f.reopen) << sqlite3_errstr(rc);
  }
}

TEST(ClassifySqliteErrorTest, ContentionAndStatementErrorsKeepTheConnection) {
  for (int rc : {SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED, SQLITE_CONSTRAINT, SQLITE_ERROR,
                 SQLITE_INTERRUPT, SQLITE_NOMEM, SQLITE_MISMATCH}) {
    auto f = classifySqliteError(rc);
    EXPECT_EQ(f.code, ErrorCode::kDependencyUnavailable) << sqlite3_errstr(rc);
    EXPECT_FALSE(f.reopen) << sqlite3_errstr(rc);
  }
}

class StorageFaultTest : public SqliteStoreFixture {
 protected:
  std::unique_ptr<Database> openDatabase() {
    auto db = Database::open(options_, clock_);
    EXPECT_TRUE(db.ok()) << db.error().message;
    auto created = (*db)->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
      sql::exec(s, "CREATE TABLE t (x BLOB)");
      return common::Ok{};
    });
    EXPECT_TRUE(created.ok());
    return std::move(*db);
  }

  static common::Status insertBlob(Database& db, int bytes) {
    return db.write(kNoDeadline, [bytes](Poco::Data::Session& s) -> common::Status {
      sql::exec(s, "INSERT INTO t VALUES (zeroblob(" + std::to_string(bytes) + "))");
      return common::Ok{};
    });
  }

  // Runs `pragma` on the connection that writes (group commit's own), through a write.
  static common::Status onTheWriter(Database& db, const std::string& pragma) {
    return db.write(kNoDeadline, [&](Poco::Data::Session& s) -> common::Status {
      s << pragma, now;
      return common::Ok{};
    });
  }

  static int64_t rows(Database& db) {
    auto n = db.read(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
      return sql::scalar(s, "SELECT COUNT(*) FROM t");
    });
    return n.ok() ? *n : -1;
  }
};

TEST_F(StorageFaultTest, AFullDiskRefusesWritesWith507KeepsReadsAndRecovers) {
  auto db = openDatabase();
  ASSERT_TRUE(insertBlob(*db, 10).ok());
  // SQLite reports a page limit reached exactly as a full disk: SQLITE_FULL. Every write goes
  // through the one writer connection, so the limit applies to every write.
  ASSERT_TRUE(db->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
                  s << "PRAGMA max_page_count = " +
                           std::to_string(sql::scalar(s, "PRAGMA page_count")),
                      now;
                  return common::Ok{};
                }).ok());
  auto refused = insertBlob(*db, 64 * 1024);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInsufficientStorage);
  EXPECT_GE(refused.error().retry_after_s, 1);
  StorageState full = db->storage();
  EXPECT_TRUE(full.full);
  EXPECT_EQ(full.full_since_ms, clock_.wallMillis());
  EXPECT_EQ(full.full_errors_total, 1u);
  EXPECT_EQ(full.reopens_total, 0u) << "a full disk does not spoil the other sessions";
  EXPECT_EQ(rows(*db), 1) << "reads keep working";
  EXPECT_TRUE(db->storage().full) << "a read does not clear the state";

  // The limit belonged to the connection, which SQLite rolled back and the store replaced: the
  // next write has room, as when space returns.
  clock_.advance(std::chrono::seconds(1));
  ASSERT_TRUE(insertBlob(*db, 64 * 1024).ok());
  EXPECT_FALSE(db->storage().full);
  EXPECT_EQ(db->storage().full_since_ms, 0);
  EXPECT_EQ(db->storage().full_errors_total, 1u);
  EXPECT_EQ(rows(*db), 2);
}

TEST_F(StorageFaultTest, AReadOnlyConnectionIsReplacedWithTheIdleOnes) {
  options_.pool.min = 3;
  options_.pool.max = 3;
  auto db = openDatabase();
  // The writer connection refuses writes, as connections opened on a read-only mount do.
  ASSERT_TRUE(onTheWriter(*db, "PRAGMA query_only = ON").ok());
  const uint64_t opened = db->commits().writer_opens_total;
  auto refused = insertBlob(*db, 10);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(refused.error().message.find("readonly"), std::string::npos) << refused.error().message;
  EXPECT_EQ(db->storage().reopens_total, 1u);
  EXPECT_EQ(db->pool().stats().discarded_total, 3u) << "the three idle ones went with it";
  EXPECT_EQ(db->pool().stats().size, 0);

  ASSERT_TRUE(insertBlob(*db, 10).ok()) << "a fresh connection writes at once";
  EXPECT_EQ(db->commits().writer_opens_total, opened + 1);
  EXPECT_EQ(rows(*db), 1);
  EXPECT_FALSE(db->storage().full);
}

TEST_F(StorageFaultTest, ProbeWriteCommitsAndFailsOnAReadOnlyConnection) {
  options_.pool.min = 1;
  options_.pool.max = 1;
  auto opened = Store::open(options_, clock_);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& store = **opened;
  ASSERT_TRUE(store.probeWrite().ok());
  ASSERT_TRUE(store.probeWrite().ok()) << "the probe rewrites its single row";
  {
    auto db = Database::open(options_, clock_);
    ASSERT_TRUE(db.ok());
    auto n = (*db)->read(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
      return sql::scalar(s, "SELECT COUNT(*) FROM store_probe");
    });
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, 1);
  }
  EXPECT_TRUE(store.ping().ok());
  EXPECT_FALSE(store.storage().full);
}

TEST_F(StorageFaultTest, ProbeWriteReportsAReadOnlyStore) {
  options_.pool.min = 1;
  options_.pool.max = 1;
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(migrate((*db)->pool().acquire(kNoDeadline)->session(), clock_).ok());
  ASSERT_TRUE(onTheWriter(**db, "PRAGMA query_only = ON").ok());
  EXPECT_TRUE((*db)->ping(kNoDeadline).ok()) << "reads still work";
  auto probed = (*db)->probeWrite(kNoDeadline);
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_TRUE((*db)->probeWrite(kNoDeadline).ok()) << "the spoilt connection was replaced";
}

TEST_F(StorageFaultTest, DiscardIdleClosesOnlyIdleSessions) {
  options_.pool.min = 3;
  options_.pool.max = 4;
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto held = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ((*db)->pool().discardIdle(), 2);
  PoolStats s = (*db)->pool().stats();
  EXPECT_EQ(s.size, 1);
  EXPECT_EQ(s.in_use, 1);
  EXPECT_EQ(s.idle, 0);
  EXPECT_EQ(s.discarded_total, 2u);
  auto fresh = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*db)->pool().stats().created_total, 4u);
}

}  // namespace
}  // namespace cc::store::sqlite
