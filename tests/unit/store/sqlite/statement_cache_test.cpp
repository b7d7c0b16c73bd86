#include "store/sqlite/statement_cache.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/Utility.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <stdexcept>
#include <vector>

#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite::sql {
namespace {

class StatementCacheTest : public SqliteStoreFixture {
 protected:
  void SetUp() override {
    SqliteStoreFixture::SetUp();
    Poco::Data::SQLite::Connector::registerConnector();
    session_ = withStatementCache(std::make_unique<Poco::Data::Session>("SQLite", options_.path));
    exec(*session_, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
    exec(*session_, "INSERT INTO t (name) VALUES ('a'), ('b'), ('c')");
  }

  sqlite3* handle() { return Poco::Data::SQLite::Utility::dbHandle(*session_); }

  // Whether any statement of the connection is between its first step and its reset, which
  // keeps a read transaction (and its snapshot) open.
  bool anyStatementBusy() {
    for (sqlite3_stmt* s = sqlite3_next_stmt(handle(), nullptr); s != nullptr;
         s = sqlite3_next_stmt(handle(), s)) {
      if (sqlite3_stmt_busy(s) != 0) return true;
    }
    return false;
  }

  std::vector<std::string> namesAbove(int64_t id) {
    std::vector<std::string> names;
    forEachRow(*session_, "SELECT name FROM t WHERE id > ? ORDER BY id", {id},
               [&](const Row& row) { names.push_back(row.text(0)); });
    return names;
  }

  SessionPtr session_;
};

TEST_F(StatementCacheTest, AQueryRunTwiceIsPreparedOnceAndBindsItsNewParameters) {
  const std::size_t before = cachedStatements(*session_);
  EXPECT_EQ(namesAbove(0), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(cachedStatements(*session_), before + 1);
  EXPECT_EQ(namesAbove(2), (std::vector<std::string>{"c"}));
  EXPECT_EQ(cachedStatements(*session_), before + 1);
  EXPECT_FALSE(anyStatementBusy());
}

TEST_F(StatementCacheTest, AStatementIsResetAfterAnEarlyExitSoNoSnapshotStaysOpen) {
  EXPECT_THROW(forEachRow(*session_, "SELECT name FROM t ORDER BY id", {},
                          [](const Row&) { throw std::runtime_error("stop at the first row"); }),
               std::runtime_error);
  EXPECT_FALSE(anyStatementBusy());
  int64_t rows = 0;
  forEachRow(*session_, "SELECT name FROM t ORDER BY id", {}, [&](const Row&) { ++rows; });
  EXPECT_EQ(rows, 3);
}

TEST_F(StatementCacheTest, TheSameQueryNestedInsideItselfGetsAStatementOfItsOwn) {
  std::vector<std::string> pairs;
  forEachRow(*session_, "SELECT id, name FROM t WHERE id > ? ORDER BY id", {int64_t{1}},
             [&](const Row& outer) {
               const int64_t id = outer.integer(0);
               const std::string name = outer.text(1);
               forEachRow(*session_, "SELECT id, name FROM t WHERE id > ? ORDER BY id", {id},
                          [&](const Row& inner) { pairs.push_back(name + inner.text(1)); });
             });
  EXPECT_EQ(pairs, (std::vector<std::string>{"bc"}));
  EXPECT_FALSE(anyStatementBusy());
}

TEST_F(StatementCacheTest, WritesReportTheirChangesAndTheRowIdTheyInserted) {
  EXPECT_EQ(exec(*session_, "UPDATE t SET name = name || '!' WHERE id >= ?", {int64_t{2}}), 2);
  EXPECT_EQ(exec(*session_, "UPDATE t SET name = name || '!' WHERE id >= ?", {int64_t{3}}), 1);
  exec(*session_, "INSERT INTO t (name) VALUES (?)", {std::string("d")});
  EXPECT_EQ(lastInsertId(*session_), 4);
  EXPECT_EQ(namesAbove(1), (std::vector<std::string>{"b!", "c!!", "d"}));
}

TEST_F(StatementCacheTest, ACachedStatementFollowsASchemaChangeMadeOnAnotherConnection) {
  EXPECT_EQ(namesAbove(0).size(), 3U);
  Poco::Data::Session other("SQLite", options_.path);
  exec(other, "CREATE INDEX t_name ON t(name)");
  exec(other, "INSERT INTO t (name) VALUES ('d')");
  EXPECT_EQ(namesAbove(0), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(StatementCacheTest, ASessionWithoutACachePreparesEachCallAndKeepsNothing) {
  Poco::Data::Session plain("SQLite", options_.path);
  EXPECT_EQ(scalar(plain, "SELECT COUNT(*) FROM t"), 3);
  EXPECT_EQ(cachedStatements(plain), 0U);
  EXPECT_EQ(sqlite3_next_stmt(Poco::Data::SQLite::Utility::dbHandle(plain), nullptr), nullptr);
}

// The cache on its own, on a raw connection that sqlite3_close (not _v2) closes only when no
// statement is left: eviction and destruction must finalize what they drop.
TEST(StatementCacheAlone, EvictsTheLeastRecentlyUsedAndFinalizesEverythingItHeld) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  auto prepare = [&](const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK);
    return stmt;
  };
  auto statements = [&] {
    int n = 0;
    for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr;
         s = sqlite3_next_stmt(db, s))
      ++n;
    return n;
  };
  {
    StatementCache cache(2);
    cache.give("SELECT 1", prepare("SELECT 1"));
    cache.give("SELECT 2", prepare("SELECT 2"));
    sqlite3_stmt* one = cache.take("SELECT 1");  // now the most recently used, and busy
    ASSERT_NE(one, nullptr);
    EXPECT_EQ(cache.take("SELECT 1"), nullptr);   // busy: a nested caller prepares its own
    cache.give("SELECT 3", prepare("SELECT 3"));  // evicts SELECT 2, the least recently used
    EXPECT_EQ(cache.size(), 2U);
    EXPECT_EQ(cache.take("SELECT 2"), nullptr);
    EXPECT_EQ(statements(), 2);
    cache.give("SELECT 1", one);
    EXPECT_EQ(cache.take("SELECT 1"), one);
    cache.give("SELECT 1", one);
  }
  EXPECT_EQ(statements(), 0);
  EXPECT_EQ(sqlite3_close(db), SQLITE_OK);
}

}  // namespace
}  // namespace cc::store::sqlite::sql
