#include "store/sqlite/database.h"

#include <Poco/Data/SQLite/Utility.h>
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <utility>

#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite {
namespace {

using common::ErrorCode;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using std::chrono::milliseconds;

class DatabaseTest : public SqliteStoreFixture {};

// What a one-value statement (a PRAGMA) gives on the writer's session.
int64_t onTheWriter(Database& db, const std::string& statement) {
  int64_t value = -1;
  EXPECT_TRUE(db.write(kNoDeadline, [&](Poco::Data::Session& s) -> common::Status {
                  value = sql::scalar(s, statement);
                  return common::Ok{};
                }).ok());
  return value;
}

TEST_F(DatabaseTest, EveryPooledSessionHasWalFullSyncBusyTimeoutAndForeignKeys) {
  options_.busy_timeout = milliseconds(4321);
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  std::vector<SessionLease> leases;
  for (int i = 0; i < 3; ++i) {
    auto lease = (*db)->pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    leases.push_back(std::move(*lease));
  }
  for (auto& lease : leases) {
    std::string mode;
    lease.session() << "PRAGMA journal_mode", into(mode), now;
    EXPECT_EQ(mode, "wal");
    EXPECT_EQ(sql::scalar(lease.session(), "PRAGMA synchronous"), 2);  // FULL
    EXPECT_EQ(sql::scalar(lease.session(), "PRAGMA foreign_keys"), 1);
    EXPECT_EQ(sql::scalar(lease.session(), "PRAGMA busy_timeout"), 4321);
  }
}

TEST_F(DatabaseTest, ANewDatabaseHasSmallPagesAndAnExistingOneKeepsItsOwn) {
  {
    auto db = Database::open(options_, clock_);
    ASSERT_TRUE(db.ok());
    auto lease = (*db)->pool().acquire(kNoDeadline);
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(sql::scalar(lease->session(), "PRAGMA page_size"), 1024);
  }
  // A database written with SQLite's default page size (as every one before this change) opens
  // and is written as it is: WAL mode cannot change a page size.
  StoreOptions older = options_;
  older.path = options_.path + ".older";
  {
    Poco::Data::Session s("SQLite", older.path);
    sql::exec(s, "PRAGMA page_size = 4096");
    sql::exec(s, "PRAGMA journal_mode = WAL");
    sql::exec(s, "CREATE TABLE kept (x INTEGER)");
  }
  auto db = Database::open(older, clock_);
  ASSERT_TRUE(db.ok());
  auto written = (*db)->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
    sql::exec(s, "INSERT INTO kept (x) VALUES (1)");
    return common::Ok{};
  });
  ASSERT_TRUE(written.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(sql::scalar(lease->session(), "PRAGMA page_size"), 4096);
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT COUNT(*) FROM kept"), 1);
}

// Each test runs in a process of its own (ctest), so this open is the process's first: SQLite is
// then in multi-thread mode, and a connection has no mutex of its own to take on every call.
TEST_F(DatabaseTest, ConnectionsTakeNoPerCallMutex) {
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(sqlite3_db_mutex(Poco::Data::SQLite::Utility::dbHandle(lease->session())), nullptr);
  int current = -1;
  int highest = -1;
  // With the allocator's statistics off, SQLite reports no memory in use.
  ASSERT_EQ(sqlite3_status(SQLITE_STATUS_MEMORY_USED, &current, &highest, 0), SQLITE_OK);
  EXPECT_EQ(current, 0);
}

TEST_F(DatabaseTest, SynchronousNormalIsApplied) {
  options_.synchronous_full = false;
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto lease = (*db)->pool().acquire(kNoDeadline);
  EXPECT_EQ(sql::scalar(lease->session(), "PRAGMA synchronous"), 1);
}

// SQLite walks the writer's whole page cache at every COMMIT (pager_end_transaction truncates it
// to the database's size): a large cache makes every batch slower, so the default is small.
TEST_F(DatabaseTest, TheWritersPageCacheIsDbWriterCacheMbEightByDefault) {
  auto cacheOfWriter = [this] {
    auto db = Database::open(options_, clock_);
    EXPECT_TRUE(db.ok());
    return onTheWriter(**db, "PRAGMA cache_size");
  };
  EXPECT_EQ(StoreOptions{}.writer_cache_mb, 8);
  EXPECT_EQ(cacheOfWriter(), -8 * 1024);  // KiB
  options_.writer_cache_mb = 3;
  EXPECT_EQ(cacheOfWriter(), -3 * 1024);
}

// The writer and each pooled session map db.mmap_mb of the file; by default none.
TEST_F(DatabaseTest, EverySessionMapsDbMmapMbOfTheFile) {
  auto mapped = [this] {
    auto db = Database::open(options_, clock_);
    EXPECT_TRUE(db.ok());
    const int64_t writer = onTheWriter(**db, "PRAGMA mmap_size");
    auto lease = (*db)->pool().acquire(kNoDeadline);
    const int64_t reader = sql::scalar(lease->session(), "PRAGMA mmap_size");
    return std::make_pair(writer, reader);
  };
  constexpr int64_t kMiB = 1024 * 1024;
  EXPECT_EQ(StoreOptions{}.mmap_mb, 0);
  EXPECT_EQ(mapped(), std::make_pair(int64_t{0}, int64_t{0}));
  options_.mmap_mb = 16;
  EXPECT_EQ(mapped(), std::make_pair(16 * kMiB, 16 * kMiB));
}

TEST_F(DatabaseTest, ErrorResultRollsTheWriteBack) {
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto created = (*db)->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
    sql::exec(s, "CREATE TABLE t (x INTEGER)");
    return common::Ok{};
  });
  ASSERT_TRUE(created.ok());
  auto refused = (*db)->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
    sql::exec(s, "INSERT INTO t VALUES (1)");
    return common::Error::conflict("changed my mind");
  });
  EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
  auto count = (*db)->read(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
    return sql::scalar(s, "SELECT COUNT(*) FROM t");
  });
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

TEST_F(DatabaseTest, SqlErrorsBecomeDependencyUnavailableNotExceptions) {
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto bad = (*db)->read(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
    return sql::scalar(s, "SELECT COUNT(*) FROM no_such_table");
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_GE(bad.error().retry_after_s, 1);
}

TEST_F(DatabaseTest, FullDatabaseGivesInsufficientStorage) {
  auto db = Database::open(options_, clock_);
  ASSERT_TRUE(db.ok());
  auto full = (*db)->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
    sql::exec(s, "CREATE TABLE blobs (b BLOB)");
    // A small page budget on this connection makes SQLite report SQLITE_FULL.
    int64_t pages = sql::scalar(s, "PRAGMA page_count");
    s << "PRAGMA max_page_count = " + std::to_string(pages + 2), now;
    for (int i = 0; i < 50; ++i) sql::exec(s, "INSERT INTO blobs VALUES (zeroblob(65536))");
    return common::Ok{};
  });
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kInsufficientStorage);
  EXPECT_GE(full.error().retry_after_s, 1);
}

TEST_F(DatabaseTest, WritersQueueBoundedByBusyTimeoutAndDeadlineWhileReadersGoOn) {
  options_.busy_timeout = milliseconds(100);
  auto opened = Database::open(options_, clock_);
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  ASSERT_TRUE(db.write(kNoDeadline, [](Poco::Data::Session& s) -> common::Status {
                  sql::exec(s, "CREATE TABLE t (x INTEGER)");
                  return common::Ok{};
                }).ok());
  std::promise<void> inside;
  std::promise<void> finish;
  std::thread holder([&] {
    auto st = db.write(kNoDeadline, [&](Poco::Data::Session& s) -> common::Status {
      sql::exec(s, "INSERT INTO t VALUES (1)");
      inside.set_value();
      finish.get_future().wait();
      return common::Ok{};
    });
    EXPECT_TRUE(st.ok());
  });
  inside.get_future().wait();

  auto insert = [](Poco::Data::Session& s) -> common::Status {
    sql::exec(s, "INSERT INTO t VALUES (2)");
    return common::Ok{};
  };
  auto busy = db.write(kNoDeadline, insert);
  auto late = db.write(clock_.now() + milliseconds(20), insert);
  auto read = db.read(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
    return sql::scalar(s, "SELECT COUNT(*) FROM t");
  });
  finish.set_value();
  holder.join();

  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_GE(busy.error().retry_after_s, 1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kTimeout);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, 0);  // the uncommitted row is invisible, and the reader did not wait
  EXPECT_TRUE(db.write(kNoDeadline, insert).ok());
}

class StoreFacadeTest : public SqliteStoreFixture {};

TEST_F(StoreFacadeTest, AnUnreachablePostgresqlIsAnErrorRatherThanOpenedAsSqlite) {
  options_.backend = StoreBackend::kPostgresql;
  auto url = postgresql::parseConnectionUrl("postgresql://cc@127.0.0.1:1/cc?sslmode=disable");
  ASSERT_TRUE(url.ok()) << url.error().message;
  options_.postgresql.url = *url;
  options_.postgresql.connect_timeout = std::chrono::seconds(2);
  auto opened = Store::open(options_, clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_EQ(opened.error().message.rfind(url->display() + ": cannot open database session: ", 0),
            0U)
      << opened.error().message;
  struct stat st {};
  EXPECT_NE(::stat(options_.path.c_str(), &st), 0) << "no SQLite file was created";
}

TEST_F(StoreFacadeTest, ConcurrentWritersAllSucceedWithoutLocking) {
  options_.pool.max = 10;
  Store& store = open();
  std::atomic<int> ok{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 40; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto created =
            store.agents().create(agent("agent-" + std::to_string(t) + "-" + std::to_string(i)));
        if (created.ok()) {
          ++ok;
        } else {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back(created.error().message);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 400);
  EXPECT_TRUE(failures.empty()) << failures.front();
  AgentFilter all;
  auto page = store.agents().list(all);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 400);
}

TEST_F(StoreFacadeTest, InjectedErrorRateOneFailsEveryOperation) {
  Store& store = open();
  ASSERT_TRUE(store.agents().create(agent("a")).ok());
  store.faults().set({0, 1.0});
  auto list = store.agents().list(AgentFilter{});
  auto get = store.agents().get(1);
  auto create = store.agents().create(agent("b"));
  auto ping = store.ping();
  for (const common::Error* e : {&list.error(), &get.error(), &create.error(), &ping.error()}) {
    EXPECT_EQ(e->code, ErrorCode::kDependencyUnavailable);
    EXPECT_GE(e->retry_after_s, 1);
  }
  EXPECT_EQ(store.faults().injectedErrors(), 4u);
  auto json = store.faults().toJson()->getObject("db");
  EXPECT_EQ(json->getValue<double>("error_rate"), 1.0);
  EXPECT_EQ(json->getValue<int>("injected_errors_total"), 4);

  store.faults().clear();
  auto page = store.agents().list(AgentFilter{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1);  // the failed create wrote nothing
}

TEST_F(StoreFacadeTest, InjectedDelayStopsAtTheDeadlineWithTimeout) {
  Store& store = open();
  store.faults().set({60000, 0});
  auto started = std::chrono::steady_clock::now();
  auto result = store.agents().get(1, clock_.now() + milliseconds(50));
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kTimeout);
  EXPECT_GE(waited, milliseconds(45));
  EXPECT_LT(waited, milliseconds(30000));
  EXPECT_EQ(store.faults().injectedErrors(), 0u);
}

TEST_F(StoreFacadeTest, InjectedDelayWithinTheBudgetOnlySlowsDown) {
  Store& store = open();
  store.faults().set({20, 0});
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(store.ping(clock_.now() + std::chrono::seconds(30)).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds(20));
}

TEST_F(StoreFacadeTest, FaultSettingsComeFromConfigAndAreClamped) {
  Store& store = open();
  store.faults().set({-5, 7.0});
  EXPECT_EQ(store.faults().settings().delay_ms, 0);
  EXPECT_EQ(store.faults().settings().error_rate, 1.0);
  auto loaded = config::ConfigLoader::load(
      "", {{"fault.db.delay_ms", "15"}, {"fault.db.error_rate", "0.25"}});
  ASSERT_TRUE(loaded.ok());
  store.faults().configure(*loaded.config);
  EXPECT_EQ(store.faults().settings().delay_ms, 15);
  EXPECT_EQ(store.faults().settings().error_rate, 0.25);
}

TEST_F(StoreFacadeTest, OptionsComeFromTheConfigKeys) {
  auto loaded = config::ConfigLoader::load(
      "", {{"daemon.state_dir", dir_}, {"db.synchronous", "normal"}, {"db.pool.max", "7"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems.front();
  auto o = StoreOptions::fromConfig(*loaded.config);
  EXPECT_EQ(o.path, dir_ + "/controlcenter.db");
  EXPECT_FALSE(o.synchronous_full);
  EXPECT_EQ(o.pool.max, 7);
  EXPECT_EQ(o.pool.min, 5);
  EXPECT_EQ(o.pool.acquire_timeout, milliseconds(5000));
  EXPECT_TRUE(o.pool.validate_on_borrow);
  EXPECT_EQ(o.token_ttl_s, 43200);
  EXPECT_EQ(o.agents_active_window_s, 60);
  auto store = Store::open(*loaded.config, clock_);
  ASSERT_TRUE(store.ok()) << store.error().message;
  EXPECT_EQ((*store)->poolStats().size, 5);
}

TEST_F(StoreFacadeTest, BackupIsAConsistentCopy) {
  Store& store = open();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store.agents().create(agent("a" + std::to_string(i))).ok());
  std::string copy = dir_ + "backup.db";
  ASSERT_TRUE(store.backup(copy).ok());
  EXPECT_FALSE(Poco::File(copy + ".tmp").exists());

  options_.path = copy;
  Store& restored = open();
  auto page = restored.agents().list(AgentFilter{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 5);
}

// Run by hand under a permissive umask, the database, its -wal and -shm, the directory the
// daemon creates for it and a backup are still owner-only, as under the unit's UMask=0027.
TEST_F(StoreFacadeTest, StateFilesAreOwnerOnlyWhateverTheUmask) {
  const mode_t saved = ::umask(0);
  options_.path = dir_ + "state/controlcenter.db";
  Store& store = open();
  ASSERT_TRUE(store.agents().create(agent("a")).ok());
  std::string copy = dir_ + "backup.db";
  ASSERT_TRUE(store.backup(copy).ok());
  ::umask(saved);
  auto mode = [](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode(dir_ + "state"), 0700u);
  for (const std::string& file :
       {options_.path, options_.path + "-wal", options_.path + "-shm", copy}) {
    EXPECT_EQ(mode(file), 0600u) << file;
  }
}

TEST_F(StoreFacadeTest, BackupIntoAMissingDirectoryFailsAsAValue) {
  Store& store = open();
  auto st = store.backup(dir_ + "missing/dir/backup.db");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kDependencyUnavailable);
}

TEST_F(StoreFacadeTest, OpenFailsClearlyWhenThePathCannotBeADatabase) {
  options_.path = dir_;  // a directory
  auto opened = Store::open(options_, clock_);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.error().message.find(dir_), std::string::npos) << opened.error().message;
}

}  // namespace
}  // namespace cc::store::sqlite
