#include "store/migrations.h"

#include <Poco/Exception.h>

#include "store/database.h"
#include "store/sql.h"

namespace cc::store {

using common::Error;
using common::ErrorCode;
using Poco::Data::Keywords::now;

const std::vector<Migration>& builtinMigrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "projects and agents",
       {"CREATE TABLE projects ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " name TEXT NOT NULL UNIQUE,"
        " description TEXT NOT NULL DEFAULT '',"
        " status TEXT NOT NULL CHECK (status IN ('active', 'archived')),"
        " path TEXT NOT NULL DEFAULT '',"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL)",
        "CREATE TABLE agents ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " name TEXT NOT NULL,"
        " level TEXT NOT NULL CHECK (level IN ('L1', 'L2', 'L3')),"
        " role TEXT NOT NULL,"
        " status TEXT NOT NULL CHECK (status IN ('idle', 'active', 'busy', 'offline')),"
        " project_id INTEGER REFERENCES projects(id),"
        " metadata TEXT NOT NULL DEFAULT '{}',"
        " last_heartbeat INTEGER,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL)",
        "CREATE INDEX agents_status ON agents(status)",
        "CREATE INDEX agents_project ON agents(project_id)",
        "CREATE INDEX agents_heartbeat ON agents(last_heartbeat)"}},
      {2,
       "users and tokens",
       {"CREATE TABLE users ("
        " username TEXT PRIMARY KEY,"
        " role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),"
        " password_hash TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " disabled INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE tokens ("
        " hash TEXT PRIMARY KEY,"
        " username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,"
        " role TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL)",
        "CREATE INDEX tokens_username ON tokens(username)",
        "CREATE INDEX tokens_expires ON tokens(expires_at)"}},
      {3,
       "store write probe",
       // One row the breaker's half-open probe rewrites: a real page write that a read-only or
       // failing file refuses, without touching domain data.
       {"CREATE TABLE store_probe ("
        " id INTEGER PRIMARY KEY CHECK (id = 1),"
        " written_at INTEGER NOT NULL)"}},
  };
  return migrations;
}

int schemaVersion(Poco::Data::Session& session) {
  return static_cast<int>(
      sql::scalar(session, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
}

common::Result<int> migrate(Poco::Data::Session& session, const common::Clock& clock,
                            const std::vector<Migration>& migrations) {
  const int known = migrations.empty() ? 0 : migrations.back().version;
  int current = 0;
  try {
    session << "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)",
        now;
    current = schemaVersion(session);
  } catch (...) {
    return currentStoreError();
  }
  if (current > known) {
    return Error::unavailable(ErrorCode::kDependencyUnavailable,
                              "database schema version " + std::to_string(current) +
                                  " is newer than this controlcenterd supports (version " +
                                  std::to_string(known) +
                                  "); run a newer controlcenterd or restore a backup");
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    try {
      session << "BEGIN IMMEDIATE", now;
      try {
        for (const auto& statement : m.statements) sql::exec(session, statement);
        sql::exec(session, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                  {int64_t{m.version}, clock.wallMillis()});
        session << "COMMIT", now;
      } catch (...) {
        session << "ROLLBACK", now;
        throw;
      }
    } catch (...) {
      Error e = currentStoreError();
      e.message = "migration " + std::to_string(m.version) + " (" + m.description +
                  ") failed: " + e.message;
      return e;
    }
    current = m.version;
  }
  return current;
}

}  // namespace cc::store
