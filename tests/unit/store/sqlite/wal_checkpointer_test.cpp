#include "store/sqlite/wal_checkpointer.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>

#include "store/sqlite/sql.h"
#include "unit/eventually.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite {
namespace {

using namespace std::chrono_literals;

class WalCheckpointerTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    Poco::Data::SQLite::Connector::registerConnector();
  }

  std::unique_ptr<Poco::Data::Session> connect() {
    auto s = std::make_unique<Poco::Data::Session>("SQLite", options_.path);
    sql::exec(*s, "PRAGMA journal_mode = WAL");
    return s;
  }

  // A writer attached to `checkpointer`, with a table to fill.
  std::unique_ptr<Poco::Data::Session> writer(WalCheckpointer& checkpointer) {
    auto s = connect();
    sql::exec(*s, "CREATE TABLE IF NOT EXISTS filler (id INTEGER PRIMARY KEY, b BLOB)");
    checkpointer.attach(Poco::Data::SQLite::Utility::dbHandle(*s));
    return s;
  }

  // One transaction that writes about `pages` pages to the log.
  static void fill(Poco::Data::Session& s, int pages) {
    sql::exec(s, "BEGIN");
    for (int i = 0; i < pages; ++i)
      sql::exec(s, "INSERT INTO filler (b) VALUES (randomblob(3500))");
    sql::exec(s, "COMMIT");
  }

  WalCheckpointer::Open opener() {
    return [this] { return connect(); };
  }
};

TEST_F(WalCheckpointerTest, CommitsBelowTheThresholdLeaveTheLogToTheThread) {
  // SQLite's own automatic checkpoint would have run inside the commit that passed 1,000 pages
  // and restarted the log; attached, the writer's commits only note its length.
  WalCheckpointer checkpointer({1000000, 2000000, 1h}, opener());
  auto w = writer(checkpointer);
  for (int i = 0; i < 5; ++i) fill(*w, 500);
  const CheckpointStats stats = checkpointer.stats();
  EXPECT_GE(stats.wal_pages, 2500);
  EXPECT_EQ(stats.checkpoints_total, 0u);
  EXPECT_EQ(stats.backstop_total, 0u);
}

TEST_F(WalCheckpointerTest, ReachingTheThresholdWakesTheThreadWhichCopiesTheLogBack) {
  WalCheckpointer checkpointer({100, 1000000, 1h}, opener());
  auto w = writer(checkpointer);
  fill(*w, 300);
  ASSERT_TRUE(
      cc::testing::eventually([&] { return checkpointer.stats().checkpoints_total >= 1; }, 10s));
  const CheckpointStats stats = checkpointer.stats();
  EXPECT_GE(stats.last_backfilled_pages, 300);
  EXPECT_EQ(stats.backstop_total, 0u);
  EXPECT_EQ(stats.failures_total, 0u);
  EXPECT_EQ(stats.last_error, "");
  // Everything was copied back, so the next commit starts the log afresh.
  fill(*w, 10);
  EXPECT_LT(checkpointer.stats().wal_pages, 100);
}

TEST_F(WalCheckpointerTest, AtTheBackstopTheWriterCheckpointsInsideItsCommit) {
  WalCheckpointer checkpointer({1000000, 200, 1h}, opener());
  auto w = writer(checkpointer);
  fill(*w, 100);
  EXPECT_EQ(checkpointer.stats().backstop_total, 0u);
  fill(*w, 300);
  const CheckpointStats stats = checkpointer.stats();
  EXPECT_EQ(stats.backstop_total, 1u);
  EXPECT_EQ(stats.checkpoints_total, 1u);
  EXPECT_GE(stats.last_backfilled_pages, 400);
}

TEST_F(WalCheckpointerTest, AFailedCheckpointIsCountedAndRetriedOnANewConnection) {
  std::atomic<int> opens{0};
  WalCheckpointer checkpointer({100, 1000000, 20ms}, [&]() -> std::unique_ptr<Poco::Data::Session> {
    if (opens++ == 0) throw Poco::IOException("cannot open the checkpoint connection");
    return connect();
  });
  auto w = writer(checkpointer);
  fill(*w, 300);
  ASSERT_TRUE(
      cc::testing::eventually([&] { return checkpointer.stats().checkpoints_total >= 1; }, 10s));
  const CheckpointStats stats = checkpointer.stats();
  EXPECT_EQ(stats.failures_total, 1u);
  EXPECT_EQ(stats.last_error, "");
  EXPECT_GE(opens.load(), 2);
}

}  // namespace
}  // namespace cc::store::sqlite
