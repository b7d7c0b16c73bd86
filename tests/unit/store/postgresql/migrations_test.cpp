#include "store/postgresql/migrations.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/postgresql/failure.h"
#include "store/postgresql/pg_session.h"
#include "store/sqlite/migrations.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::store::postgresql {
namespace {

using common::ErrorCode;
using std::chrono::milliseconds;

class PgMigrationsTest : public PgFixture {
 protected:
  static std::string failureOf(Poco::Data::Session& session, const std::string& sql) {
    try {
      execSimple(session, sql);
    } catch (const Poco::Exception& e) {
      return e.displayText();
    }
    return "";
  }
  static std::string count(Poco::Data::Session& session, const std::string& dimension,
                           const std::string& value, const std::string& table = "agents") {
    return execSimple(session, "SELECT COALESCE(MAX(n), 0) FROM row_counts WHERE tbl = '" + table +
                                   "' AND dimension = '" + dimension + "' AND value = '" + value +
                                   "'");
  }
  common::FakeClock clock_;
};

TEST_F(PgMigrationsTest, BringsAnEmptyDatabaseToTheNewestVersionOnce) {
  auto session = db_->open();
  EXPECT_EQ(schemaVersion(*session), 0);
  auto version = migrateUnderLock(*session, clock_);
  ASSERT_TRUE(version.ok()) << version.error().message;
  const int newest = builtinMigrations().back().version;
  EXPECT_EQ(*version, newest);
  EXPECT_EQ(newest, sqlite::builtinMigrations().back().version)
      << "version N means the same schema on both backends";
  EXPECT_EQ(schemaVersion(*session), newest);
  EXPECT_EQ(execSimple(*session, "SELECT count(*) FROM schema_migrations"),
            std::to_string(builtinMigrations().size()));
  EXPECT_EQ(execSimple(*session, "SELECT applied_at FROM schema_migrations WHERE version = 1"),
            std::to_string(clock_.wallMillis()));
  EXPECT_EQ(execSimple(*session, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"),
            "1");

  auto again = migrateUnderLock(*session, clock_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, newest);
  EXPECT_EQ(execSimple(*session, "SHOW statement_timeout"), "0");
}

TEST_F(PgMigrationsTest, TheTriggersKeepTheCountsOfEveryWrite) {
  auto session = db_->open();
  ASSERT_TRUE(migrateUnderLock(*session, clock_).ok());
  execSimple(*session,
             "INSERT INTO projects (name, status, created_at, updated_at)"
             " VALUES ('p', 'active', 1, 1)");
  const std::string project = execSimple(*session, "SELECT id FROM projects WHERE name = 'p'");
  execSimple(*session,
             "INSERT INTO agents (name, level, role, status, project_id, created_at, updated_at)"
             " VALUES ('a', 'L1', 'r', 'idle', " +
                 project +
                 ", 1, 1), ('b', 'L2', 'r', 'idle', NULL, 1, 1), ('c', 'L2', 'r', 'busy', " +
                 project + ", 1, 1)");
  EXPECT_EQ(count(*session, "total", ""), "3");
  EXPECT_EQ(count(*session, "status", "idle"), "2");
  EXPECT_EQ(count(*session, "level", "L2"), "2");
  EXPECT_EQ(count(*session, "project_id", project), "2");

  execSimple(*session, "UPDATE agents SET status = 'busy', project_id = NULL WHERE name = 'a'");
  EXPECT_EQ(count(*session, "status", "idle"), "1");
  EXPECT_EQ(count(*session, "status", "busy"), "2");
  EXPECT_EQ(count(*session, "project_id", project), "1");
  execSimple(*session, "DELETE FROM agents WHERE name = 'c'");
  EXPECT_EQ(count(*session, "total", ""), "2");
  EXPECT_EQ(count(*session, "level", "L2"), "1");
  EXPECT_EQ(count(*session, "project_id", project), "0");
  EXPECT_EQ(count(*session, "total", "", "projects"), "1");
  EXPECT_EQ(count(*session, "status", "active", "projects"), "1");
}

TEST_F(PgMigrationsTest, AgentNamesAreUniqueWithinAProjectAndAmongAgentsWithoutOne) {
  auto session = db_->open();
  ASSERT_TRUE(migrateUnderLock(*session, clock_).ok());
  const std::string insert =
      "INSERT INTO agents (name, level, role, status, created_at, updated_at)"
      " VALUES ('same', 'L1', 'r', 'idle', 1, 1)";
  execSimple(*session, insert);
  std::string text = failureOf(*session, insert);
  EXPECT_EQ(classifyFailure(text).code, ErrorCode::kConflict) << text;
  text = failureOf(*session,
                   "INSERT INTO users (username, role, password_hash, created_at, disabled)"
                   " VALUES ('u', 'admin', 'h', 1, 'maybe')");
  EXPECT_EQ(classifyFailure(text).sqlstate, "22P02") << "disabled is a real BOOLEAN: " << text;
}

TEST_F(PgMigrationsTest, RefusesADatabaseNewerThanTheBinary) {
  auto session = db_->open();
  ASSERT_TRUE(migrateUnderLock(*session, clock_).ok());
  std::vector<Migration> older(builtinMigrations().begin(), builtinMigrations().end() - 1);
  auto refused = migrateUnderLock(*session, clock_, older);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kDependencyUnavailable);
  const std::string& message = refused.error().message;
  EXPECT_NE(message.find("schema version " + std::to_string(builtinMigrations().back().version) +
                         " is newer"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("(version " + std::to_string(older.back().version) + ")"),
            std::string::npos)
      << message;
}

TEST_F(PgMigrationsTest, AFailedMigrationLeavesNothingOfItselfBehind) {
  auto session = db_->open();
  std::vector<Migration> migrations = {
      {1, "a table", {"CREATE TABLE first (n INTEGER)"}},
      {2, "half done", {"CREATE TABLE second (n INTEGER)", "INSERT INTO nowhere VALUES (1)"}}};
  auto failed = migrateUnderLock(*session, clock_, migrations);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("migration 2 (half done) failed"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(schemaVersion(*session), 1);
  EXPECT_EQ(execSimple(*session, "SELECT to_regclass('second')"), "");
  EXPECT_EQ(
      execSimple(*session, "SELECT pg_try_advisory_lock(" + std::to_string(kMigrationLock) +
                               ") AND pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")"),
      "t")
      << "the lock is free again";
}

// Two daemons starting at once against one database: without the lock both would apply every
// migration (and the second CREATE TABLE would fail); with it one applies, the other waits and
// finds nothing left to do.
TEST_F(PgMigrationsTest, TwoRunnersAtOnceApplyEachMigrationOnce) {
  std::vector<Migration> migrations = {
      {1, "a table", {"CREATE TABLE applied (runner TEXT NOT NULL)"}},
      // Long enough that the second runner surely arrives while the first is still at it.
      {2,
       "a slow step",
       {"INSERT INTO applied VALUES (current_setting('application_name'))",
        "SELECT pg_sleep(0.3)"}}};
  std::vector<common::Result<int>> results(2, common::Result<int>(0));
  std::vector<std::thread> runners;
  for (int i = 0; i < 2; ++i) {
    runners.emplace_back([&, i] {
      auto session = db_->open();
      execSimple(*session, "SET application_name = 'runner" + std::to_string(i) + "'");
      results[static_cast<std::size_t>(i)] = migrateUnderLock(*session, clock_, migrations);
    });
  }
  for (auto& t : runners) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, 2);
  }
  auto session = db_->open();
  EXPECT_EQ(execSimple(*session, "SELECT count(*) FROM applied"), "1");
  EXPECT_EQ(execSimple(*session, "SELECT count(*) FROM schema_migrations"), "2");
}

TEST_F(PgMigrationsTest, ALockHeldPastTheWaitFailsNamingIt) {
  auto holder = db_->open();
  execSimple(*holder, "SELECT pg_advisory_lock(" + std::to_string(kMigrationLock) + ")");
  auto session = db_->open();
  auto refused = migrateUnderLock(*session, clock_, builtinMigrations(), milliseconds(100));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kDependencyUnavailable);
  EXPECT_NE(refused.error().message.find("migration lock"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(schemaVersion(*session), 0);
  EXPECT_EQ(execSimple(*session, "SHOW statement_timeout"), "0");

  execSimple(*holder, "SELECT pg_advisory_unlock(" + std::to_string(kMigrationLock) + ")");
  EXPECT_TRUE(migrateUnderLock(*session, clock_, builtinMigrations(), milliseconds(100)).ok());
}

}  // namespace
}  // namespace cc::store::postgresql
