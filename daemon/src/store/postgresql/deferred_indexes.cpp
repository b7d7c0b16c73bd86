#include "store/postgresql/deferred_indexes.h"

#include <utility>
#include <vector>

#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {

// DDL and LOCK go as simple queries (execSimple): each definition runs once, so preparing it
// would only add round trips and fill the statement cache.

bool DeferredIndexes::pending(Poco::Data::Session& session, const std::string& table) {
  return sql::scalar(session,
                     "SELECT COUNT(*) FROM (SELECT 1 FROM deferred_indexes WHERE tbl = ? LIMIT 1)"
                     " AS any_deferred",
                     {table}) > 0;
}

bool DeferredIndexes::begin(Poco::Data::Session& session, const std::string& table) {
  execSimple(session, "LOCK TABLE deferred_indexes IN EXCLUSIVE MODE");
  if (pending(session, table)) return true;
  // `table` is one of our own table names, never input.
  if (sql::scalar(session, "SELECT COUNT(*) FROM (SELECT 1 FROM \"" + table +
                               "\" LIMIT 1) AS any_row") > 0) {
    return false;
  }
  // The primary key and the unique indexes stay: they are what refuses a taken id or name.
  std::vector<std::pair<std::string, std::string>> indexes;
  sql::run(session,
           "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index AS x"
           " JOIN pg_class AS c ON c.oid = x.indexrelid"
           " WHERE x.indrelid = to_regclass(?) AND NOT x.indisunique AND NOT x.indisprimary"
           " ORDER BY c.relname",
           {table}, [&](const sql::Row& row) { indexes.emplace_back(row.text(0), row.text(1)); });
  if (indexes.empty()) return false;
  for (const auto& [name, definition] : indexes) {
    sql::exec(session, "INSERT INTO deferred_indexes (tbl, name, definition) VALUES (?, ?, ?)",
              {table, name, definition});
    execSimple(session, "DROP INDEX \"" + name + "\"");
  }
  return true;
}

int64_t DeferredIndexes::build(Poco::Data::Session& session, const std::string& table) {
  if (!table.empty() && !pending(session, table)) return 0;  // the common case: no lock
  execSimple(session, "LOCK TABLE deferred_indexes IN EXCLUSIVE MODE");
  std::vector<std::string> definitions;
  const auto read = [&](const sql::Row& row) { definitions.push_back(row.text(0)); };
  if (table.empty()) {
    sql::run(session, "SELECT definition FROM deferred_indexes ORDER BY tbl, name", {}, read);
  } else {
    sql::run(session, "SELECT definition FROM deferred_indexes WHERE tbl = ? ORDER BY name",
             {table}, read);
  }
  for (const auto& definition : definitions) execSimple(session, definition);
  if (!definitions.empty()) {
    if (table.empty()) {
      sql::exec(session, "DELETE FROM deferred_indexes");
    } else {
      sql::exec(session, "DELETE FROM deferred_indexes WHERE tbl = ?", {table});
    }
  }
  return static_cast<int64_t>(definitions.size());
}

}  // namespace cc::store::postgresql
