#include "store/sqlite/wal_checkpointer.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/thread_priority.h"
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
  EXPECT_EQ(stats.writer_ms.count, 1u) << "the writer's own checkpoint is timed";
}

// Under steady writes the thread's checkpoints never copy the whole log (each copies what was
// there when it began), so SQLite never starts it afresh and it grew to the backstop, whose wait
// held every write for hundreds of milliseconds. At restart_pages, with the thread idle and at
// most threshold_pages left uncopied, the writer copies the rest inside its commit instead.
TEST_F(WalCheckpointerTest, AtTheRestartLengthTheWriterCopiesTheLastPagesAndTheLogStartsAfresh) {
  WalCheckpointer checkpointer({100000, 1000000, 1h, 300}, opener());
  auto w = writer(checkpointer);
  fill(*w, 200);
  EXPECT_EQ(checkpointer.stats().catch_ups_total, 0u) << "below restart_pages";
  fill(*w, 200);
  CheckpointStats stats = checkpointer.stats();
  EXPECT_EQ(stats.catch_ups_total, 1u);
  EXPECT_EQ(stats.checkpoints_total, 1u) << "the writer's, inside its commit";
  EXPECT_EQ(stats.wal_pages, 0) << "copied back before the commit returned";
  EXPECT_GE(stats.last_backfilled_pages, 400);
  EXPECT_EQ(stats.backstop_total, 0u);
  EXPECT_EQ(stats.writer_ms.count, 1u) << "the catch-up is timed";
  fill(*w, 10);
  EXPECT_LT(checkpointer.stats().wal_pages, 100) << "the next commit started the log afresh";
}

// More than threshold_pages that no checkpoint has copied are the thread's to copy, not the
// writer's: a catch-up never makes a commit copy much.
TEST_F(WalCheckpointerTest, TheWriterDoesNotCatchUpOnALogTheThreadHasNotCopied) {
  WalCheckpointer checkpointer({100, 1000000, 1h, 300}, opener());
  auto w = writer(checkpointer);
  fill(*w, 400);
  const CheckpointStats stats = checkpointer.stats();
  EXPECT_EQ(stats.catch_ups_total, 0u);
  EXPECT_EQ(stats.backstop_total, 0u);
}

// The thread runs at the writer's priority (db.writer_nice): one at the default priority fell
// behind the writes on a busy machine and left the log to the backstop.
TEST_F(WalCheckpointerTest, TheThreadRunsAtTheGivenPriority) {
  std::atomic<int> nice_there{0};
  WalCheckpointer checkpointer({100, 1000000, 1h, 0, 3}, [&] {
    nice_there = common::threadNice();
    return connect();
  });
  auto w = writer(checkpointer);
  fill(*w, 200);
  ASSERT_TRUE(
      cc::testing::eventually([&] { return checkpointer.stats().checkpoints_total >= 1; }, 10s));
  EXPECT_EQ(nice_there.load(), 3);
  EXPECT_NE(common::threadNice(), 3) << "the caller's own priority is left alone";
}

// The default VFS with one change: while held, syncing a database file (which only a checkpoint
// does in WAL mode, after copying the log back) waits, so that a checkpoint can be caught in the
// middle, holding SQLite's checkpoint lock.
class HeldCheckpoints {
 public:
  HeldCheckpoints() {
    real_ = sqlite3_vfs_find(nullptr);
    vfs_ = *real_;
    vfs_.zName = "held-checkpoints";
    vfs_.xOpen = &HeldCheckpoints::open;
    self_ = this;
    sqlite3_vfs_register(&vfs_, 1);
  }
  ~HeldCheckpoints() {
    sqlite3_vfs_register(real_, 1);
    sqlite3_vfs_unregister(&vfs_);
    self_ = nullptr;
  }

  void hold() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = true;
  }
  // Until a checkpoint waits in its sync.
  bool waitUntilHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [this] { return held_; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = false;
    cv_.notify_all();
  }

 private:
  static int open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out) {
    const int rc = self_->real_->xOpen(self_->real_, name, file, flags, out);
    if (rc == SQLITE_OK && (flags & SQLITE_OPEN_MAIN_DB) != 0 && file->pMethods != nullptr) {
      self_->real_methods_ = file->pMethods;
      self_->methods_ = *file->pMethods;
      self_->methods_.xSync = &HeldCheckpoints::sync;
      file->pMethods = &self_->methods_;
    }
    return rc;
  }
  static int sync(sqlite3_file* file, int flags) {
    {
      std::unique_lock<std::mutex> lock(self_->mu_);
      if (self_->holding_) {
        self_->held_ = true;
        self_->cv_.notify_all();
        self_->cv_.wait(lock, [] { return !self_->holding_; });
      }
    }
    return self_->real_methods_->xSync(file, flags);
  }

  static inline HeldCheckpoints* self_ = nullptr;
  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs vfs_{};
  const sqlite3_io_methods* real_methods_ = nullptr;
  sqlite3_io_methods methods_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool holding_ = false;
  bool held_ = false;
};

TEST_F(WalCheckpointerTest, TheBackstopWaitsForTheThreadsCheckpointAndCopiesTheRest) {
  // Under a steady write rate the thread's checkpoint is nearly always running when the log
  // reaches the backstop; a backstop that gave up with SQLITE_BUSY then left the log growing
  // without bound, since only a checkpoint that copies everything lets SQLite start it afresh.
  HeldCheckpoints vfs;
  WalCheckpointer checkpointer({100, 400, 1h}, opener());
  auto w = writer(checkpointer);
  vfs.hold();
  fill(*w, 150);
  ASSERT_TRUE(vfs.waitUntilHeld());  // the thread's checkpoint of those 150 pages, caught in it
  // Released once the writer's commit has passed the backstop: the writer then waits for it.
  std::thread releaser([&] {
    cc::testing::eventually([&] { return checkpointer.stats().wal_pages >= 400; }, 10s);
    vfs.release();
  });
  fill(*w, 300);
  releaser.join();
  CheckpointStats stats = checkpointer.stats();
  EXPECT_EQ(stats.backstop_total, 1u);
  EXPECT_GE(stats.last_backfilled_pages, 450);
  // Everything was copied back, so the next commit starts the log afresh.
  fill(*w, 10);
  stats = checkpointer.stats();
  EXPECT_LT(stats.wal_pages, 100);
  EXPECT_EQ(stats.failures_total, 0u);
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
