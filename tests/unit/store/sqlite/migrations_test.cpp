#include "store/sqlite/migrations.h"

#include <gtest/gtest.h>

#include "store/sqlite/database.h"
#include "store/sqlite/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store::sqlite {
namespace {

using Poco::Data::Keywords::now;

class MigrationsTest : public SqliteStoreFixture {
 protected:
  std::unique_ptr<Database> database() {
    auto db = Database::open(options_, clock_);
    EXPECT_TRUE(db.ok());
    return std::move(*db);
  }
};

TEST_F(MigrationsTest, FreshDatabaseGetsEveryMigrationRecorded) {
  Store& store = open();
  int latest = builtinMigrations().back().version;
  EXPECT_EQ(store.schemaVersion(), latest);

  auto db = database();
  auto lease = db->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT COUNT(*) FROM schema_migrations"), latest);
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT MIN(applied_at) FROM schema_migrations"),
            clock_.wallMillis());
  for (const char* table : {"agents", "projects", "users", "tokens"}) {
    EXPECT_EQ(sql::scalar(lease->session(),
                          "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                          {std::string(table)}),
              1)
        << table;
  }
}

TEST_F(MigrationsTest, ReopeningAppliesNothingTwice) {
  open();
  clock_.advance(std::chrono::hours(1));
  Store& again = open();
  EXPECT_EQ(again.schemaVersion(), builtinMigrations().back().version);
  auto db = database();
  auto lease = db->pool().acquire(kNoDeadline);
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(builtinMigrations().size()));
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT MAX(applied_at) FROM schema_migrations"),
            clock_.wallMillis() - 3600 * 1000);
}

TEST_F(MigrationsTest, DatabaseNewerThanTheBinaryIsRefusedNamingBothVersions) {
  open();
  store_.reset();
  {
    auto db = database();
    auto lease = db->pool().acquire(kNoDeadline);
    sql::exec(lease->session(),
              "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)");
  }
  auto refused = Store::open(options_, clock_);
  ASSERT_FALSE(refused.ok());
  const std::string& message = refused.error().message;
  EXPECT_NE(message.find("version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("version " + std::to_string(builtinMigrations().back().version)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(options_.path), std::string::npos) << message;
}

TEST_F(MigrationsTest, UpgradeRenamesDuplicateAgentNamesAndMakesThemUnique) {
  auto db = database();
  auto lease = db->pool().acquire(kNoDeadline);
  ASSERT_TRUE(lease.ok());
  Poco::Data::Session& s = lease->session();
  const std::vector<Migration> before(builtinMigrations().begin(), builtinMigrations().begin() + 4);
  ASSERT_EQ(before.back().version, 4);
  ASSERT_TRUE(migrate(s, clock_, before).ok());
  sql::exec(s,
            "INSERT INTO projects (id, name, status, created_at, updated_at)"
            " VALUES (1, 'p1', 'active', 0, 0), (2, 'p2', 'active', 0, 0)");
  const std::string long_name(128, 'x');
  auto agent = [&](int64_t id, const std::string& name, sql::Value project) {
    sql::exec(s,
              "INSERT INTO agents (id, name, level, role, status, project_id, created_at, "
              "updated_at) VALUES (?, ?, 'L1', 'r', 'idle', ?, 0, 0)",
              {id, name, std::move(project)});
  };
  agent(1, "worker", int64_t{1});
  agent(2, "worker", int64_t{1});
  agent(3, "worker", int64_t{2});  // another project: not a duplicate
  agent(4, "worker", int64_t{1});
  agent(5, "loose", std::monostate{});
  agent(6, "loose", std::monostate{});
  agent(7, long_name, int64_t{2});
  agent(8, long_name, int64_t{2});

  ASSERT_TRUE(migrate(s, clock_, builtinMigrations()).ok());
  auto nameOf = [&](int64_t id) {
    std::string name;
    sql::forEachRow(s, "SELECT name FROM agents WHERE id = ?", {id},
                    [&](const sql::Row& row) { name = row.text(0); });
    return name;
  };
  EXPECT_EQ(nameOf(1), "worker");
  EXPECT_EQ(nameOf(2), "worker #2");
  EXPECT_EQ(nameOf(3), "worker");
  EXPECT_EQ(nameOf(4), "worker #4");
  EXPECT_EQ(nameOf(5), "loose");
  EXPECT_EQ(nameOf(6), "loose #6");
  EXPECT_EQ(nameOf(7), long_name);
  EXPECT_EQ(nameOf(8), std::string(125, 'x') + " #8");
  // The search index follows the renames.
  EXPECT_EQ(sql::scalar(s, "SELECT COUNT(*) FROM agents_fts WHERE agents_fts MATCH '\"r #4\"'"), 1);
  EXPECT_ANY_THROW(agent(9, "worker", int64_t{1}));
}

TEST_F(MigrationsTest, FailingMigrationRollsBackAndKeepsTheVersion) {
  auto db = database();
  auto lease = db->pool().acquire(kNoDeadline);
  std::vector<Migration> steps = {
      {1, "good", {"CREATE TABLE a (x INTEGER)"}},
      {2, "bad", {"CREATE TABLE b (x INTEGER)", "THIS IS NOT SQL"}},
  };
  auto result = migrate(lease->session(), clock_, steps);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, common::ErrorCode::kDependencyUnavailable);
  EXPECT_NE(result.error().message.find("migration 2 (bad)"), std::string::npos);
  EXPECT_EQ(schemaVersion(lease->session()), 1);
  EXPECT_EQ(sql::scalar(lease->session(), "SELECT COUNT(*) FROM sqlite_master WHERE name = 'b'"),
            0);
  steps[1].statements = {"CREATE TABLE b (x INTEGER)"};
  auto fixed = migrate(lease->session(), clock_, steps);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(*fixed, 2);
}

}  // namespace
}  // namespace cc::store::sqlite
