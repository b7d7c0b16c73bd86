#include "store/sqlite/migrations.h"

#include <Poco/Exception.h>

#include "store/sqlite/database.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

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
      {4,
       "indexes for every listing, maintained counts, trigram search",
       // Every request-path query is served by one of these (tests/unit/store/query_plan_test
       // reads each plan). A secondary index ends in the rowid, so (x) orders by (x, id).
       // Nullable sort columns are indexed as COALESCE(column, 0): one order on every backend.
       {"CREATE INDEX agents_name ON agents(name)", "CREATE INDEX agents_level ON agents(level)",
        "CREATE INDEX agents_role ON agents(role)", "DROP INDEX agents_heartbeat",
        "CREATE INDEX agents_heartbeat ON agents(COALESCE(last_heartbeat, 0))",
        "CREATE INDEX agents_project_order ON agents(COALESCE(project_id, 0))",
        "CREATE INDEX agents_created ON agents(created_at)",
        "CREATE INDEX agents_updated ON agents(updated_at)",
        "CREATE INDEX agents_status_name ON agents(status, name)",
        "CREATE INDEX agents_level_name ON agents(level, name)",
        "CREATE INDEX agents_status_heartbeat ON agents(status, COALESCE(last_heartbeat, 0))",
        "CREATE INDEX agents_project_name ON agents(project_id, name)",
        "CREATE INDEX agents_project_heartbeat ON agents(project_id, COALESCE(last_heartbeat, 0))",
        "CREATE INDEX projects_status ON projects(status)",
        "CREATE INDEX projects_status_name ON projects(status, name)",
        "CREATE INDEX projects_created ON projects(created_at)",
        "CREATE INDEX projects_updated ON projects(updated_at)",
        // Counts kept in the same transaction as every write, by triggers, so that no write
        // path can forget them: the total and one row per value of each counted column.
        "CREATE TABLE row_counts ("
        " tbl TEXT NOT NULL, dimension TEXT NOT NULL, value TEXT NOT NULL,"
        " n INTEGER NOT NULL, PRIMARY KEY (tbl, dimension, value)) WITHOUT ROWID",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'total', '', COUNT(*) FROM agents",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'status', status, COUNT(*) FROM agents GROUP BY status",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'level', level, COUNT(*) FROM agents GROUP BY level",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'project_id', CAST(project_id AS TEXT), COUNT(*) FROM agents"
        " WHERE project_id IS NOT NULL GROUP BY project_id",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'projects', 'total', '', COUNT(*) FROM projects",
        "INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'projects', 'status', status, COUNT(*) FROM projects GROUP BY status",
        "CREATE TRIGGER agents_count_insert AFTER INSERT ON agents BEGIN"
        " INSERT INTO row_counts (tbl, dimension, value, n) VALUES"
        " ('agents', 'total', '', 1), ('agents', 'status', NEW.status, 1),"
        " ('agents', 'level', NEW.level, 1)"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'project_id', CAST(NEW.project_id AS TEXT), 1"
        " WHERE NEW.project_id IS NOT NULL"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        "CREATE TRIGGER agents_count_delete AFTER DELETE ON agents BEGIN"
        // One statement per key, each an exact primary-key update.
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'agents' AND dimension = 'total' AND value = '';"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'agents' AND dimension = 'status' AND value = OLD.status;"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'agents' AND dimension = 'level' AND value = OLD.level;"
        " UPDATE row_counts SET n = n - 1 WHERE tbl = 'agents' AND dimension = 'project_id'"
        " AND value = CAST(OLD.project_id AS TEXT);"
        " END",
        "CREATE TRIGGER agents_count_status AFTER UPDATE OF status ON agents"
        " WHEN OLD.status IS NOT NEW.status BEGIN"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'agents' AND dimension = 'status' AND value = OLD.status;"
        " INSERT INTO row_counts (tbl, dimension, value, n) VALUES ('agents', 'status', "
        "NEW.status, 1)"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        "CREATE TRIGGER agents_count_level AFTER UPDATE OF level ON agents"
        " WHEN OLD.level IS NOT NEW.level BEGIN"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'agents' AND dimension = 'level' AND value = OLD.level;"
        " INSERT INTO row_counts (tbl, dimension, value, n) VALUES ('agents', 'level', NEW.level, "
        "1)"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        "CREATE TRIGGER agents_count_project AFTER UPDATE OF project_id ON agents"
        " WHEN OLD.project_id IS NOT NEW.project_id BEGIN"
        " UPDATE row_counts SET n = n - 1 WHERE tbl = 'agents' AND dimension = 'project_id'"
        " AND value = CAST(OLD.project_id AS TEXT);"
        " INSERT INTO row_counts (tbl, dimension, value, n)"
        " SELECT 'agents', 'project_id', CAST(NEW.project_id AS TEXT), 1"
        " WHERE NEW.project_id IS NOT NULL"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        "CREATE TRIGGER projects_count_insert AFTER INSERT ON projects BEGIN"
        " INSERT INTO row_counts (tbl, dimension, value, n) VALUES"
        " ('projects', 'total', '', 1), ('projects', 'status', NEW.status, 1)"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        "CREATE TRIGGER projects_count_delete AFTER DELETE ON projects BEGIN"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'projects' AND dimension = 'total' AND value = '';"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'projects' AND dimension = 'status' AND value = OLD.status;"
        " DELETE FROM row_counts WHERE tbl = 'agents' AND dimension = 'project_id'"
        " AND value = CAST(OLD.id AS TEXT);"
        " END",
        "CREATE TRIGGER projects_count_status AFTER UPDATE OF status ON projects"
        " WHEN OLD.status IS NOT NEW.status BEGIN"
        " UPDATE row_counts SET n = n - 1"
        " WHERE tbl = 'projects' AND dimension = 'status' AND value = OLD.status;"
        " INSERT INTO row_counts (tbl, dimension, value, n)"
        " VALUES ('projects', 'status', NEW.status, 1)"
        " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + 1;"
        " END",
        // Substring search (q): FTS5 trigram indexes over the names, kept by triggers. A
        // phrase query of three or more characters matches exactly the rows LIKE '%q%' would.
        "CREATE VIRTUAL TABLE agents_fts USING fts5("
        "name, content='agents', content_rowid='id', tokenize='trigram')",
        "INSERT INTO agents_fts (agents_fts) VALUES ('rebuild')",
        "CREATE TRIGGER agents_fts_insert AFTER INSERT ON agents BEGIN"
        " INSERT INTO agents_fts (rowid, name) VALUES (NEW.id, NEW.name); END",
        "CREATE TRIGGER agents_fts_delete AFTER DELETE ON agents BEGIN"
        " INSERT INTO agents_fts (agents_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);"
        " END",
        "CREATE TRIGGER agents_fts_name AFTER UPDATE OF name ON agents BEGIN"
        " INSERT INTO agents_fts (agents_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);"
        " INSERT INTO agents_fts (rowid, name) VALUES (NEW.id, NEW.name); END",
        "CREATE VIRTUAL TABLE projects_fts USING fts5("
        "name, content='projects', content_rowid='id', tokenize='trigram')",
        "INSERT INTO projects_fts (projects_fts) VALUES ('rebuild')",
        "CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN"
        " INSERT INTO projects_fts (rowid, name) VALUES (NEW.id, NEW.name); END",
        "CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN"
        " INSERT INTO projects_fts (projects_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);"
        " END",
        "CREATE TRIGGER projects_fts_name AFTER UPDATE OF name ON projects BEGIN"
        " INSERT INTO projects_fts (projects_fts, rowid, name) VALUES ('delete', OLD.id, OLD.name);"
        " INSERT INTO projects_fts (rowid, name) VALUES (NEW.id, NEW.name); END"}},
      // Two equality filters are one index range each: the page in id order (the rowid closes
      // every index) and the capped total read only matching entries, however rare the pair.
      {5,
       "an index for every pair of agent filters",
       {"CREATE INDEX agents_status_level ON agents(status, level)",
        "CREATE INDEX agents_status_role ON agents(status, role)",
        "CREATE INDEX agents_status_project ON agents(status, project_id)",
        "CREATE INDEX agents_level_role ON agents(level, role)",
        "CREATE INDEX agents_level_project ON agents(level, project_id)",
        "CREATE INDEX agents_role_project ON agents(role, project_id)"}},
      {6,
       "agent names unique within their project",
       // Duplicates from before are renamed, not refused: the oldest agent (lowest id) keeps
       // its name, each later one becomes "name #id" (cut to fit 128 characters), so the daemon
       // starts and every agent stays reachable by id. Agents without a project count as one
       // group, as the create and patch checks treat them. The unique index replaces the plain
       // one on the same columns, so every query plan stays as it was.
       {"UPDATE agents SET name = substr(name, 1, 128 - length(' #' || id)) || ' #' || id"
        " WHERE EXISTS (SELECT 1 FROM agents AS earlier WHERE earlier.project_id IS"
        " agents.project_id AND earlier.name = agents.name AND earlier.id < agents.id)",
        "DROP INDEX agents_project_name",
        "CREATE UNIQUE INDEX agents_project_name ON agents(project_id, name)"}},
      {7,
       "indexes deferred by a bulk load",
       // A first load builds a table's non-unique indexes after its rows (DeferredIndexes): a
       // row here is an index dropped for the load, with what builds it again. A daemon that
       // stops mid-load builds them when it next opens the store (Store::open, after migrating); a
       // later migration that changes an agents index must build them first.
       {"CREATE TABLE deferred_indexes ("
        " tbl TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL,"
        " PRIMARY KEY (tbl, name)) WITHOUT ROWID"}},
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
  if (current > known) return newerSchemaError(current, known);
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

}  // namespace cc::store::sqlite
