#include "store/sqlite/group_commit.h"

#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <Poco/Data/SQLite/Utility.h>

#include <atomic>
#include <future>
#include <initializer_list>
#include <optional>
#include <thread>
#include <vector>

#include "common/thread_priority.h"
#include "store/sqlite/database.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

// Group commit through Database::write(): batching, per-work savepoints, batch-wide failures,
// queue timeouts and the writer connection of its own.

namespace cc::store::sqlite {
namespace {

using common::ErrorCode;
using common::Ok;
using common::Status;
using Poco::Data::Session;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using std::chrono::milliseconds;

Work insert(int64_t x) {
  return [x](Session& s) -> Status {
    sql::exec(s, "INSERT INTO t (x) VALUES (?)", {x});
    return Ok{};
  };
}

// A commit hook that turns the next COMMIT into a ROLLBACK (SQLITE_CONSTRAINT_COMMITHOOK), as
// SQLite allows; the hook stays installed but lets later COMMITs through.
std::atomic<int> vetoes{0};
int vetoNextCommit(void*) { return vetoes.exchange(0) > 0 ? 1 : 0; }

class GroupCommitTest : public SqliteStoreFixture {
 protected:
  void TearDown() override {
    db_.reset();
    SqliteStoreFixture::TearDown();
  }

  Database& openDb() {
    auto opened = Database::open(options_, clock_);
    EXPECT_TRUE(opened.ok()) << opened.error().message;
    if (!opened.ok()) throw std::runtime_error(opened.error().message);
    db_ = std::move(*opened);
    auto created = db_->write(kNoDeadline, [](Session& s) -> Status {
      sql::exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER NOT NULL)");
      sql::exec(s, "CREATE TABLE parent (id INTEGER PRIMARY KEY)");
      sql::exec(s,
                "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id)"
                " DEFERRABLE INITIALLY DEFERRED)");
      return Ok{};
    });
    EXPECT_TRUE(created.ok()) << created.error().message;
    return *db_;
  }

  // Starts a write whose work holds the leader inside its transaction until the returned
  // promise is set; returns once the work runs. The write inserts x = 0.
  std::future<Status> holdTheLeader(std::promise<void>& release) {
    std::promise<void> inside;
    auto entered = inside.get_future();
    auto released = release.get_future().share();
    auto held =
        std::async(std::launch::async, [this, released, inside = std::move(inside)]() mutable {
          return db_->write(kNoDeadline, [&](Session& s) -> Status {
            sql::exec(s, "INSERT INTO t (x) VALUES (0)");
            inside.set_value();
            released.wait();
            return Ok{};
          });
        });
    entered.wait();
    return held;
  }

  // Starts a write of `work` in the background and returns once it waits in the queue, so that
  // writes queued one after another keep their order.
  // A write of x = 1 that takes 20 ms of the fixture's clock: past a 10 ms batch budget.
  Work slowInsertOfOne() {
    return [this](Session& s) -> Status {
      sql::exec(s, "INSERT INTO t (x) VALUES (1)");
      clock_.advance(milliseconds(20));
      return Ok{};
    };
  }
  std::future<Status> queue(Work work, common::SteadyTime deadline = kNoDeadline,
                            bool quick = false) {
    const int before = db_->commits().queued;
    auto f = std::async(std::launch::async, [this, work = std::move(work), deadline, quick] {
      return quick ? db_->quickWrite(deadline, work) : db_->write(deadline, work);
    });
    waitUntilQueued(before + 1);
    return f;
  }

  // Waits for each write and expects it to have succeeded.
  static void expectEachOk(std::initializer_list<std::future<Status>*> writes) {
    for (auto* f : writes) {
      Status st = f->get();
      EXPECT_TRUE(st.ok()) << st.error().message;
    }
  }

  // Polls for a state another thread reaches; the bound only keeps a broken build from hanging.
  void waitUntilQueued(int n) {
    for (int i = 0; i < 10000 && db_->commits().queued < n; ++i) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_EQ(db_->commits().queued, n);
  }

  int64_t count(const std::string& query) {
    auto n = db_->read(
        kNoDeadline, [&](Session& s) -> common::Result<int64_t> { return sql::scalar(s, query); });
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<Database> db_;
};

// Every write runs on the writer thread, at db.writer_nice: a priority any thread may take (a
// lower one) is in force from the start, and stats say so.
TEST_F(GroupCommitTest, WritesRunOnTheWriterThreadAtItsPriority) {
  options_.writer_nice = 3;
  openDb();
  EXPECT_EQ(db_->commits().writer_nice, 3);
  std::thread::id ran_on;
  int nice_there = 0;
  ASSERT_TRUE(db_->write(kNoDeadline,
                         [&](Session& s) -> Status {
                           sql::exec(s, "INSERT INTO t (x) VALUES (1)");
                           ran_on = std::this_thread::get_id();
                           nice_there = common::threadNice();
                           return Ok{};
                         })
                  .ok());
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(nice_there, 3);
  EXPECT_NE(common::threadNice(), 3) << "the caller's own priority is left alone";
}

TEST_F(GroupCommitTest, ConcurrentWritersAreAllCommittedAndEachSeesItsOwnResult) {
  openDb();
  const CommitStats before = db_->commits();
  constexpr int kThreads = 16;
  constexpr int kEach = 25;
  struct Seen {
    int64_t id;
    int64_t x;
  };
  std::vector<std::vector<Seen>> seen(kThreads);
  std::atomic<int> refused{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const int64_t x = t * 1000 + i;
        const bool refuse = i % 5 == 4;
        auto id = db_->write(kNoDeadline, [&](Session& s) -> common::Result<int64_t> {
          sql::exec(s, "INSERT INTO t (x) VALUES (?)", {x});
          if (refuse) return common::Error::conflict("refused " + std::to_string(x));
          return sql::lastInsertId(s);
        });
        if (refuse) {
          if (!id.ok() && id.error().code == ErrorCode::kConflict &&
              id.error().message == "refused " + std::to_string(x)) {
            ++refused;
          } else {
            ++wrong;
          }
        } else if (id.ok()) {
          seen[t].push_back({*id, x});
        } else {
          ++wrong;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(refused.load(), kThreads * kEach / 5);
  constexpr int kCommitted = kThreads * kEach * 4 / 5;
  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), kCommitted);
  EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE x % 1000 % 5 = 4"), 0) << "refused rows are gone";
  for (const auto& mine : seen) {
    for (const Seen& s : mine) {
      ASSERT_EQ(count("SELECT x FROM t WHERE id = " + std::to_string(s.id)), s.x)
          << "each writer's last_insert_rowid() is its own row";
    }
  }
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.works_total - before.works_total, uint64_t{kCommitted});
  EXPECT_EQ(after.failed_batches_total, before.failed_batches_total);
  EXPECT_EQ(after.queued, 0);
}

TEST_F(GroupCommitTest, WritersArrivingDuringACommitShareOneCommit) {
  openDb();
  const CommitStats before = db_->commits();
  constexpr int kWriters = 8;
  std::promise<void> release;
  auto held = holdTheLeader(release);
  std::vector<std::future<Status>> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.push_back(std::async(std::launch::async,
                                 [this, i] { return db_->write(kNoDeadline, insert(i + 1)); }));
  }
  waitUntilQueued(kWriters);
  release.set_value();
  EXPECT_TRUE(held.get().ok());
  for (auto& w : writers) {
    Status st = w.get();
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.batches_total - before.batches_total, 2u) << "the held one, then all the rest";
  EXPECT_EQ(after.batch_ms.count - before.batch_ms.count, 2u) << "each batch is timed";
  EXPECT_EQ(after.works_total - before.works_total, uint64_t{kWriters + 1});
  EXPECT_EQ(after.largest_batch, uint64_t{kWriters});
  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), kWriters + 1);
}

// The values of t in the order the writer inserted them ("0,3,1,2").
std::string insertionOrder(Database& db) {
  std::string xs;
  auto read = db.read(kNoDeadline, [&](Session& s) -> Status {
    s << "SELECT group_concat(x, ',') FROM (SELECT x FROM t ORDER BY id)", into(xs), now;
    return Ok{};
  });
  EXPECT_TRUE(read.ok()) << read.error().message;
  return xs;
}

// A heartbeat queued behind creates runs first in the next batch: it does not wait for their
// statements before its own.
TEST_F(GroupCommitTest, AQuickWriteRunsAheadOfTheOrdinaryWritesQueuedBeforeIt) {
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto first = queue(insert(1));
  auto second = queue(insert(2));
  auto quick = queue(insert(3), kNoDeadline, true);
  release.set_value();
  expectEachOk({&held, &first, &second, &quick});
  EXPECT_EQ(insertionOrder(*db_), "0,3,1,2");
  EXPECT_EQ(db_->commits().batches_total - before.batches_total, 2u)
      << "the held one, then the other three together";
}

// While a heartbeat waits, the ordinary works of a batch stop at db.writer_batch_ms: the rest
// go, first and in their order, into the next batch.
TEST_F(GroupCommitTest, WhileAQuickWriteWaitsOrdinaryWorksStopAtTheBatchBudget) {
  options_.writer_batch = milliseconds(10);
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto slow = queue(slowInsertOfOne());
  auto second = queue(insert(2));
  auto third = queue(insert(3));
  auto quick = queue(insert(4), kNoDeadline, true);
  release.set_value();
  expectEachOk({&held, &slow, &second, &third, &quick});
  EXPECT_EQ(insertionOrder(*db_), "0,4,1,2,3");
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.batches_total - before.batches_total, 3u)
      << "the held one; the quick one and the slow one, past the budget; then the other two";
  EXPECT_EQ(after.works_total - before.works_total, 5u);
  EXPECT_EQ(after.largest_batch, 2u);
}

// Without a quick write waiting, the budget does not split a batch: the mix's creates alone
// share one COMMIT as before.
TEST_F(GroupCommitTest, WithoutAQuickWriteABatchTakesEveryQueuedWriteWhateverItsDuration) {
  options_.writer_batch = milliseconds(10);
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto slow = queue(slowInsertOfOne());
  auto second = queue(insert(2));
  release.set_value();
  expectEachOk({&held, &slow, &second});
  EXPECT_EQ(insertionOrder(*db_), "0,1,2");
  EXPECT_EQ(db_->commits().batches_total - before.batches_total, 2u);
}

TEST_F(GroupCommitTest, AFailingWorkInABatchRollsBackOnlyItself) {
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto first = queue(insert(1));
  auto refused = queue([](Session& s) -> Status {
    sql::exec(s, "INSERT INTO t (x) VALUES (2)");
    return common::Error::conflict("changed my mind");
  });
  auto threw = queue([](Session& s) -> Status {
    sql::exec(s, "INSERT INTO t (x) VALUES (3)");
    sql::exec(s, "INSERT INTO no_such_table VALUES (3)");
    return Ok{};
  });
  auto orphan = queue([](Session& s) -> Status {
    sql::exec(s, "INSERT INTO t (x) VALUES (4)");
    sql::exec(s, "INSERT INTO child (parent_id) VALUES (404)");  // checked only at COMMIT
    return Ok{};
  });
  auto last = queue([](Session& s) -> Status {
    sql::exec(s, "INSERT INTO parent (id) VALUES (5)");
    sql::exec(s, "INSERT INTO child (parent_id) VALUES (5)");
    sql::exec(s, "INSERT INTO t (x) VALUES (5)");
    return Ok{};
  });
  release.set_value();

  EXPECT_TRUE(held.get().ok());
  EXPECT_TRUE(first.get().ok());
  Status st = refused.get();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kConflict);
  EXPECT_EQ(st.error().message, "changed my mind");
  st = threw.get();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(st.error().message.find("no_such_table"), std::string::npos) << st.error().message;
  st = orphan.get();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(st.error().message.find("FOREIGN KEY"), std::string::npos) << st.error().message;
  EXPECT_TRUE(last.get().ok());

  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE x IN (0, 1, 5)"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM child"), 1);
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.batches_total - before.batches_total, 2u) << "the failures shared the batch";
  EXPECT_EQ(after.works_total - before.works_total, 3u);
  EXPECT_EQ(after.failed_batches_total, before.failed_batches_total);
}

TEST_F(GroupCommitTest, ACommitFailureFailsEveryWorkOfTheBatch) {
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto vetoed = [](int64_t x) -> Work {
    return [x](Session& s) -> Status {
      sqlite3_commit_hook(Poco::Data::SQLite::Utility::dbHandle(s), vetoNextCommit, nullptr);
      sql::exec(s, "INSERT INTO t (x) VALUES (?)", {x});
      return Ok{};
    };
  };
  std::vector<std::future<Status>> batch;
  for (int64_t x = 1; x <= 3; ++x) batch.push_back(queue(vetoed(x)));
  vetoes = 1;
  release.set_value();

  EXPECT_TRUE(held.get().ok()) << "its own batch committed before the hook was installed";
  for (auto& w : batch) {
    Status st = w.get();
    ASSERT_FALSE(st.ok()) << "acknowledged a write that was never committed";
    EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
    EXPECT_GE(st.error().retry_after_s, 1);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), 1);
  CommitStats after = db_->commits();
  EXPECT_EQ(after.failed_batches_total - before.failed_batches_total, 1u);
  EXPECT_EQ(after.batches_total - before.batches_total, 1u);

  EXPECT_TRUE(db_->write(kNoDeadline, insert(4)).ok()) << "the next COMMIT goes through";
  EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE x = 4"), 1);
}

TEST_F(GroupCommitTest, AFailureThatEndsTheTransactionFailsTheWorksBeforeItAndRequeuesTheRest) {
  options_.pool.min = 2;
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  auto before_it = queue(insert(1));
  // A read-only connection (as on a read-only remount) is one the store must replace.
  auto read_only = queue([](Session& s) -> Status {
    s << "PRAGMA query_only = ON", now;
    sql::exec(s, "INSERT INTO t (x) VALUES (2)");
    return Ok{};
  });
  auto after_it = queue(insert(3));
  release.set_value();

  EXPECT_TRUE(held.get().ok());
  Status failed = read_only.get();
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("readonly"), std::string::npos) << failed.error().message;
  Status lost = before_it.get();
  ASSERT_FALSE(lost.ok()) << "its transaction was abandoned: it must not be acknowledged";
  EXPECT_EQ(lost.error().message, failed.error().message);
  Status st = after_it.get();
  EXPECT_TRUE(st.ok()) << "not started when the transaction was lost, so it ran in the next one: "
                       << (st.ok() ? "" : st.error().message);

  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE x IN (0, 3)"), 2);
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.failed_batches_total - before.failed_batches_total, 1u);
  EXPECT_EQ(after.writer_opens_total - before.writer_opens_total, 1u) << "a fresh writer";
  EXPECT_EQ(db_->storage().reopens_total, 1u);
  EXPECT_EQ(db_->pool().stats().discarded_total, 2u) << "the idle pooled sessions went too";
}

TEST_F(GroupCommitTest, AQueuedWriterWhoseDeadlinePassesGetsTimeoutWithoutRunning) {
  openDb();
  const CommitStats before = db_->commits();
  std::promise<void> release;
  auto held = holdTheLeader(release);
  std::atomic<int> ran{0};
  auto track = [&ran](Session& s) -> Status {
    ++ran;
    sql::exec(s, "INSERT INTO t (x) VALUES (9)");
    return Ok{};
  };
  // Its budget is spent while it waits: the leader finds the deadline passed and skips it.
  auto late = queue(track, clock_.now() + std::chrono::seconds(10));
  clock_.advance(std::chrono::seconds(11));
  // No budget at all: it leaves the queue at once, and its work never runs either.
  Status spent = db_->write(clock_.now(), track);
  release.set_value();

  EXPECT_TRUE(held.get().ok());
  Status st = late.get();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(st.error().message, "request deadline exceeded waiting to write");
  ASSERT_FALSE(spent.ok());
  EXPECT_EQ(spent.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM t WHERE x = 9"), 0);
  const CommitStats after = db_->commits();
  EXPECT_EQ(after.queue_timeouts_total - before.queue_timeouts_total, 1u);
  EXPECT_EQ(after.queued, 0);
}

TEST_F(GroupCommitTest, WritesProceedWhileEveryPooledSessionIsHeld) {
  options_.pool.min = 1;
  options_.pool.max = 3;
  options_.pool.acquire_timeout = milliseconds(50);
  openDb();
  std::vector<SessionLease> readers;
  for (int i = 0; i < options_.pool.max; ++i) {
    auto lease = db_->pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    readers.push_back(std::move(*lease));
  }
  auto starved = db_->read(kNoDeadline, [](Session& s) -> common::Result<int64_t> {
    return sql::scalar(s, "SELECT 1");
  });
  ASSERT_FALSE(starved.ok());
  EXPECT_EQ(starved.error().code, ErrorCode::kDbPoolExhausted) << "every session is taken";

  for (int64_t x = 1; x <= 3; ++x) {
    Status st = db_->write(kNoDeadline, insert(x));
    EXPECT_TRUE(st.ok()) << st.error().message;
  }
  EXPECT_EQ(db_->pool().stats().in_use, options_.pool.max);
  EXPECT_EQ(sql::scalar(readers.front().session(), "SELECT COUNT(*) FROM t"), 3);
}

TEST_F(GroupCommitTest, TheWriterConnectionHasTheSessionSettings) {
  for (bool full : {true, false}) {
    options_.synchronous_full = full;
    options_.path = dir_ + (full ? "full.db" : "normal.db");
    options_.busy_timeout = milliseconds(4321);
    openDb();
    std::string mode;
    int64_t synchronous = -1;
    int64_t foreign_keys = -1;
    int64_t busy = -1;
    ASSERT_TRUE(db_->write(kNoDeadline,
                           [&](Session& s) -> Status {
                             s << "PRAGMA journal_mode", into(mode), now;
                             synchronous = sql::scalar(s, "PRAGMA synchronous");
                             foreign_keys = sql::scalar(s, "PRAGMA foreign_keys");
                             busy = sql::scalar(s, "PRAGMA busy_timeout");
                             return Ok{};
                           })
                    .ok());
    EXPECT_EQ(mode, "wal");
    EXPECT_EQ(synchronous, full ? 2 : 1);  // FULL or NORMAL, never changed by batching
    EXPECT_EQ(foreign_keys, 1);
    EXPECT_EQ(busy, 4321);
  }
}

TEST_F(GroupCommitTest, TheWriterIsReopenedOnceOlderThanTheMaxLifetime) {
  options_.pool.max_lifetime = std::chrono::seconds(60);
  openDb();
  EXPECT_EQ(db_->commits().writer_opens_total, 1u);
  clock_.advance(std::chrono::seconds(59));
  ASSERT_TRUE(db_->write(kNoDeadline, insert(1)).ok());
  EXPECT_EQ(db_->commits().writer_opens_total, 1u);
  clock_.advance(std::chrono::seconds(2));
  ASSERT_TRUE(db_->write(kNoDeadline, insert(2)).ok());
  EXPECT_EQ(db_->commits().writer_opens_total, 2u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), 2);
}

TEST_F(GroupCommitTest, TheInjectedDelayHoldsUpAWriteUntilItsDeadline) {
  openDb();
  db_->faults().set({60000, 0});
  Status st = db_->write(clock_.now() + milliseconds(30), insert(1));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kTimeout);
  db_->faults().set({0, 1.0});
  st = db_->write(kNoDeadline, insert(2));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_EQ(db_->faults().injectedErrors(), 1u);
  db_->faults().clear();
  EXPECT_EQ(count("SELECT COUNT(*) FROM t"), 0) << "neither write ran";
}

}  // namespace
}  // namespace cc::store::sqlite
