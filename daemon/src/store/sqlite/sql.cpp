#include "store/sqlite/sql.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Nullable.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <memory>

#include "store/sqlite/statement_cache.h"

namespace cc::store::sqlite::sql {
namespace {

using Poco::Data::Keywords::bind;

std::atomic<StatementLog*> g_log{nullptr};

// Binds `params` to `stmt` (they must outlive its steps); SQLite's result code.
int bindParams(sqlite3_stmt* stmt, const Params& params) {
  int index = 1;
  for (const auto& p : params) {
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<int64_t>(&p)) {
      rc = sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* text = std::get_if<std::string>(&p)) {
      rc = sqlite3_bind_text(stmt, index, text->data(), static_cast<int>(text->size()),
                             SQLITE_STATIC);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) return rc;
    ++index;
  }
  return SQLITE_OK;
}

void bindAll(Poco::Data::Statement& stmt, const Params& params) {
  for (const auto& p : params) {
    if (std::holds_alternative<int64_t>(p)) {
      stmt, bind(static_cast<Poco::Int64>(std::get<int64_t>(p)));
    } else if (std::holds_alternative<std::string>(p)) {
      stmt, bind(std::get<std::string>(p));
    } else {
      stmt, bind(Poco::Nullable<Poco::Int64>());
    }
  }
}

}  // namespace

void record(const std::string& sql, const Params& params) {
  StatementLog* log = g_log.load(std::memory_order_acquire);
  if (log == nullptr) return;
  std::lock_guard<std::mutex> lock(log->mu_);
  log->statements_.push_back({sql, params});
}

StatementLog::StatementLog() { g_log.store(this, std::memory_order_release); }
StatementLog::~StatementLog() { g_log.store(nullptr, std::memory_order_release); }

std::vector<PageQuery> StatementLog::take() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::move(statements_);
}

namespace {

int64_t execUnlogged(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
  PreparedStatement stmt(db, sql);
  int rc = bindParams(stmt.get(), params);
  if (rc != SQLITE_OK) Poco::Data::SQLite::Utility::throwException(db, rc);
  rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_DONE) Poco::Data::SQLite::Utility::throwException(db, rc);
  return sqlite3_changes(db);  // not _changes64: Poco 1.11 bundles SQLite 3.35 (Windows build)
}

}  // namespace

int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  record(sql, params);
  return execUnlogged(session, sql, params);
}

void control(Poco::Data::Session& session, const char* statement) {
  execUnlogged(session, statement, {});
}

Poco::Data::RecordSet query(Poco::Data::Session& session, const std::string& sql,
                            const Params& params) {
  record(sql, params);
  Poco::Data::Statement stmt(session);
  stmt << sql;
  bindAll(stmt, params);
  stmt.execute();
  return Poco::Data::RecordSet(stmt);
}

int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params) {
  int64_t value = 0;
  forEachRow(session, sql, params, [&](const Row& row) { value = row.integer(0); });
  return value;
}

int64_t lastInsertId(Poco::Data::Session& session) {
  return sqlite3_last_insert_rowid(Poco::Data::SQLite::Utility::dbHandle(session));
}

int64_t intAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  return rs.value(col, row).convert<Poco::Int64>();
}

std::optional<int64_t> optIntAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  if (rs.isNull(col, row)) return std::nullopt;
  return intAt(rs, col, row);
}

std::string textAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row) {
  if (rs.isNull(col, row)) return {};
  return rs.value(col, row).convert<std::string>();
}

std::string ftsPhrase(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool Row::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Row::integer(int col) const { return sqlite3_column_int64(stmt_, col); }
std::string Row::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::size_t forEachRow(Poco::Data::Session& session, const std::string& sql, const Params& params,
                       const std::function<void(const Row&)>& row) {
  record(sql, params);
  sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
  PreparedStatement stmt(db, sql);
  if (int rc = bindParams(stmt.get(), params); rc != SQLITE_OK) {
    Poco::Data::SQLite::Utility::throwException(db, rc);
  }
  std::size_t rows = 0;
  const Row current(stmt.get());
  int rc = SQLITE_OK;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    row(current);
    ++rows;
  }
  if (rc != SQLITE_DONE) Poco::Data::SQLite::Utility::throwException(db, rc);
  return rows;
}

namespace {

// Poco's exception for a failed call, so that the store's error handling (Database) reads it as
// it reads every other failure.
[[noreturn]] void throwSqlite(sqlite3* db, int rc, const std::string& what) {
  Poco::Data::SQLite::Utility::throwException(db, rc, what);
  throw Poco::Data::DataException(what);  // not reached: throwException always throws
}

void execRaw(sqlite3* db, const char* statement) {
  int rc = sqlite3_exec(db, statement, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throwSqlite(db, rc, statement);
}

}  // namespace

namespace {

// A statement stepped for many rows (the connection's cached one when it has a cache).
class Prepared {
 public:
  Prepared(sqlite3* db, const std::string& sql) : db_(db), sql_(sql), stmt_(db, sql_) {}

  // Binds `params` (which must outlive the step), steps once and resets; the result code.
  int run(const Params& params) {
    // Logged once, with the first row's values: the plan is the same for every row.
    if (!recorded_) record(sql_, params);
    recorded_ = true;
    int rc = bindParams(stmt_.get(), params);
    if (rc != SQLITE_OK) throwSqlite(db_, rc, sql_);
    rc = sqlite3_step(stmt_.get());
    const int code = rc == SQLITE_DONE || rc == SQLITE_ROW ? rc : sqlite3_extended_errcode(db_);
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
    return code;
  }
  [[noreturn]] void fail(int rc) const { throwSqlite(db_, rc, sql_); }

 private:
  sqlite3* db_;
  const std::string sql_;
  PreparedStatement stmt_;  // refers to sql_, declared before it
  bool recorded_ = false;
};

// The CREATE TRIGGER text of `name`. Read directly, not through query(): the schema table
// has a handful of rows and no index, and the plan test rightly refuses a scan of anything else.
std::string triggerDefinition(sqlite3* db, const std::string& name) {
  const char* sql = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?";
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr);
  if (rc != SQLITE_OK) throwSqlite(db, rc, sql);
  sqlite3_bind_text(stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  std::string definition;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    definition = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  if (definition.empty()) {
    throw Poco::Data::DataException("bulk write: no trigger named " + name + " to suspend");
  }
  return definition;
}

}  // namespace

InsertedRows insertRows(Poco::Data::Session& session, const std::string& insert, std::size_t count,
                        const std::function<Params(std::size_t)>& row) {
  sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
  Prepared stmt(db, insert);
  InsertedRows out;
  out.rowids.assign(count, 0);
  for (std::size_t i = 0; i < count; ++i) {
    const int code = stmt.run(row(i));
    if (code == SQLITE_DONE) {
      out.rowids[i] = sqlite3_last_insert_rowid(db);
    } else if ((code & 0xff) == SQLITE_CONSTRAINT) {
      out.refused.push_back({i, code});
    } else {
      stmt.fail(code);
    }
  }
  return out;
}

InsertedRows importRows(Poco::Data::Session& session, const ImportTable& table, std::size_t count,
                        bool dry_run, const std::function<Params(std::size_t)>& row,
                        const std::function<void(std::size_t, CountKeys&)>& count_keys,
                        const std::function<std::string(std::size_t)>& search_text) {
  sqlite3* db = Poco::Data::SQLite::Utility::dbHandle(session);
  const std::vector<std::string> suspended = {table.table + "_fts_insert",
                                              table.table + "_count_insert"};
  InsertedRows inserted;
  execRaw(db, "SAVEPOINT import_rows");
  try {
    std::vector<std::string> definitions;
    for (const auto& name : suspended) {
      definitions.push_back(triggerDefinition(db, name));
      execRaw(db, ("DROP TRIGGER " + name).c_str());
    }
    // The insert itself checks the constraints (primary key, foreign key, UNIQUE), in the same
    // index lookups a SELECT before it would make.
    inserted = insertRows(session, table.insert, count, row);
    std::map<std::pair<std::string, std::string>, int64_t> counts;
    CountKeys keys;
    Prepared index(db, "INSERT INTO " + table.table + "_fts (rowid, name) VALUES (?, ?)");
    for (std::size_t i = 0; i < count; ++i) {
      if (inserted.rowids[i] == 0) continue;
      keys.clear();
      count_keys(i, keys);
      for (auto& key : keys) ++counts[std::move(key)];
      const int code = index.run({inserted.rowids[i], search_text(i)});
      if (code != SQLITE_DONE) index.fail(code);
    }
    Prepared upsert(db,
                    "INSERT INTO row_counts (tbl, dimension, value, n) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (tbl, dimension, value) DO UPDATE SET n = n + excluded.n");
    for (const auto& [key, n] : counts) {
      const int code = upsert.run({table.table, key.first, key.second, n});
      if (code != SQLITE_DONE) upsert.fail(code);
    }
    for (const auto& definition : definitions) execRaw(db, definition.c_str());
  } catch (...) {
    // The triggers come back with the rollback; the caller's transaction stays usable.
    sqlite3_exec(db, "ROLLBACK TO import_rows; RELEASE import_rows", nullptr, nullptr, nullptr);
    throw;
  }
  if (dry_run) execRaw(db, "ROLLBACK TO import_rows");
  execRaw(db, "RELEASE import_rows");
  return inserted;
}

}  // namespace cc::store::sqlite::sql
