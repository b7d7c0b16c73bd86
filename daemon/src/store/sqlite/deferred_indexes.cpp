#include "store/sqlite/deferred_indexes.h"

#include <Poco/Data/DataException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <sqlite3.h>

#include <utility>
#include <vector>

#include "store/sqlite/statement_cache.h"

namespace cc::store::sqlite {
namespace {

// Straight on the connection, not through the sql helpers: these read the schema table and
// run DDL, which StatementLog's plan test has no business judging.
[[noreturn]] void throwDeferred(sqlite3* db, int rc, const std::string& what) {
  Poco::Data::SQLite::Utility::throwException(db, rc, what);
  throw Poco::Data::DataException(what);  // not reached: throwException always throws
}

void execDeferred(sqlite3* db, const std::string& statement) {
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throwDeferred(db, rc, statement);
}

// Runs `sql` with text parameters and hands each row's first two columns to `row` (a statement
// that returns no row: never called). Prepared once a connection (the statement cache): every
// write of agents asks pending(), a heartbeat included.
template <class F>
void eachDeferredRow(sqlite3* db, const std::string& sql, const std::vector<std::string>& params,
                     F&& row) {
  sql::PreparedStatement prepared(db, sql);
  sqlite3_stmt* stmt = prepared.get();
  for (std::size_t i = 0; i < params.size(); ++i) {
    sqlite3_bind_text(stmt, static_cast<int>(i + 1), params[i].data(),
                      static_cast<int>(params[i].size()), SQLITE_STATIC);
  }
  auto column = [stmt](int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
    return p == nullptr ? std::string() : std::string(p);
  };
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row(column(0), column(1));
  if (rc != SQLITE_DONE) throwDeferred(db, rc, sql);
}

sqlite3* handleOf(Poco::Data::Session& session) {
  return Poco::Data::SQLite::Utility::dbHandle(session);
}

}  // namespace

bool DeferredIndexes::pending(Poco::Data::Session& session, const std::string& table) {
  bool any = false;
  static const std::string kPending =
      "SELECT tbl, name FROM deferred_indexes WHERE tbl = ? LIMIT 1";
  eachDeferredRow(handleOf(session), kPending, {table},
                  [&](const std::string&, const std::string&) { any = true; });
  return any;
}

bool DeferredIndexes::begin(Poco::Data::Session& session, const std::string& table) {
  if (pending(session, table)) return true;
  sqlite3* db = handleOf(session);
  // `table` is one of our own table names, never input.
  bool empty = true;
  eachDeferredRow(db, "SELECT 1, '' FROM \"" + table + "\" LIMIT 1", {},
                  [&](const std::string&, const std::string&) { empty = false; });
  if (!empty) return false;
  // Indexes SQLite made for UNIQUE and PRIMARY KEY constraints have no sql and stay, as do the
  // unique ones we declared: they are what refuses a taken id or name.
  std::vector<std::pair<std::string, std::string>> indexes;
  eachDeferredRow(db,
                  "SELECT m.name, m.sql FROM sqlite_master AS m JOIN pragma_index_list(?) AS l"
                  " ON l.name = m.name WHERE m.type = 'index' AND m.sql IS NOT NULL"
                  " AND l.\"unique\" = 0 ORDER BY m.name",
                  {table}, [&](const std::string& name, const std::string& definition) {
                    indexes.emplace_back(name, definition);
                  });
  if (indexes.empty()) return false;
  for (const auto& [name, definition] : indexes) {
    eachDeferredRow(db, "INSERT INTO deferred_indexes (tbl, name, definition) VALUES (?, ?, ?)",
                    {table, name, definition}, [](const std::string&, const std::string&) {});
    execDeferred(db, "DROP INDEX \"" + name + "\"");
  }
  return true;
}

int64_t DeferredIndexes::build(Poco::Data::Session& session, const std::string& table) {
  sqlite3* db = handleOf(session);
  std::vector<std::pair<std::string, std::string>> deferred;
  const std::string select =
      table.empty() ? "SELECT name, definition FROM deferred_indexes ORDER BY tbl, name"
                    : "SELECT name, definition FROM deferred_indexes WHERE tbl = ?"
                      " ORDER BY name";
  eachDeferredRow(db, select, table.empty() ? std::vector<std::string>{} : std::vector{table},
                  [&](const std::string& name, const std::string& definition) {
                    deferred.emplace_back(name, definition);
                  });
  for (const auto& [name, definition] : deferred) execDeferred(db, definition);
  if (!deferred.empty()) {
    eachDeferredRow(db,
                    table.empty() ? "DELETE FROM deferred_indexes"
                                  : "DELETE FROM deferred_indexes WHERE tbl = ?",
                    table.empty() ? std::vector<std::string>{} : std::vector{table},
                    [](const std::string&, const std::string&) {});
  }
  return static_cast<int64_t>(deferred.size());
}

}  // namespace cc::store::sqlite
