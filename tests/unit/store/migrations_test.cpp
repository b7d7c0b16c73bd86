#include "store/migrations.h"

#include <gtest/gtest.h>

#include "store/database.h"
#include "store/sql.h"
#include "unit/store/store_fixture.h"

namespace cc::store {
namespace {

using Poco::Data::Keywords::now;

class MigrationsTest : public StoreFixture {
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
}  // namespace cc::store
