#pragma once
// A database of its own on the test server (CC_TEST_PG_URL) for each test that needs PostgreSQL.

#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/postgresql/connection_settings.h"
#include "store/session_pool.h"

namespace cc::store::postgresql {

/// Creates a fresh database on the server CC_TEST_PG_URL names (scripts/test.sh starts a
/// throw-away cluster and sets it) and drops it, with every session still on it, when
/// destroyed: no two tests share tables, counts or advisory locks. Throws when the server
/// refuses.
class PgTestDatabase {
 public:
  /// CC_TEST_PG_URL, or "" when it is unset.
  static std::string serverUrl();

  PgTestDatabase();
  ~PgTestDatabase();
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  const std::string& name() const { return name_; }
  /// Settings that connect to this database.
  ConnectionSettings settings() const;
  /// A db.url for this database (CC_TEST_PG_URL's server and user; its query parameters are
  /// not carried over): for the daemons an integration test starts.
  std::string url() const { return settings().url.display(); }
  /// A new session on this database.
  PooledSession open() const;
  /// A new session on the server's own database (for what a test does from outside).
  PooledSession openServer() const;

 private:
  ConnectionSettings server_;
  std::string name_;
};

/// Gives each test a database of its own; skips (only) when CC_TEST_PG_URL is unset.
class PgFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PgTestDatabase::serverUrl().empty()) {
      GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
    }
    db_ = std::make_unique<PgTestDatabase>();
  }
  std::unique_ptr<PgTestDatabase> db_;
};

}  // namespace cc::store::postgresql
