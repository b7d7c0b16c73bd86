// The PostgreSQL side of SqlDatabase: statements prepared once per connection, pg_trgm search,
// row locks for concurrent instances, and an import that never aborts its transaction.
#include "store/postgresql/database.h"
#include "store/postgresql/deferred_indexes.h"
#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {
namespace {

// Moves the identity of `table` past its highest id, after rows went in with ids of their own
// (an import): PostgreSQL's identity does not notice them, and the next create would take one.
void advanceIdentity(Poco::Data::Session& s, const std::string& table) {
  // Never backwards: a create on another instance may have taken ids past the highest row this
  // transaction sees. `table` is one of our own table names.
  sql::exec(s, "SELECT setval(pg_get_serial_sequence('" + table +
                   "', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"" + table +
                   "\"), (SELECT last_value FROM " + table + "_id_seq), 1))");
}

}  // namespace

std::size_t Database::query(Poco::Data::Session& session, const std::string& sql,
                            const store::sql::Params& params, const RowHandler& row) {
  if (!row) return sql::run(session, sql, params, {});
  return sql::run(session, sql, params, [&](const sql::Row& r) { row(r); });
}

NameSearch Database::nameSearch(const std::string& table, const std::string& text) const {
  // The trigram index (migration 4) serves it; a search is ordered by id only.
  return {table, table + ".id", table + ".name ILIKE ?", sql::containsPattern(text), table};
}

const char* Database::nullSafeEquals() const { return "IS NOT DISTINCT FROM"; }

const char* Database::lockClause(RowLock lock) const {
  return lock == RowLock::kUpdate ? " FOR UPDATE" : " FOR KEY SHARE";
}

store::sql::Value Database::boolValue(bool value) const {
  return std::string(value ? "true" : "false");
}

bool Database::beginBulkLoad(Poco::Data::Session& session, const std::string& table) {
  return DeferredIndexes::begin(session, table);
}

bool Database::bulkLoadPending(Poco::Data::Session& session, const std::string& table) {
  return DeferredIndexes::pending(session, table);
}

int64_t Database::endBulkLoad(Poco::Data::Session& session, const std::string& table) {
  return DeferredIndexes::build(session, table);
}

std::vector<RefusedImport> Database::importRows(Poco::Data::Session& session,
                                                const ImportRows& rows, bool dry_run) {
  // A failed statement would abort the whole transaction, so a row a unique index refuses is
  // refused by ON CONFLICT DO NOTHING (no row changed); the caller has refused taken ids, and
  // ids of concurrent writers come from the identity, past every imported one. The count
  // triggers keep the maintained counts, row by row.
  std::string placeholders =
      "COALESCE(?, nextval(pg_get_serial_sequence('" + rows.table + "', 'id')))";
  for (char c : rows.columns) {
    if (c == ',') placeholders += ", ?";
  }
  const std::string insert = "INSERT INTO " + rows.table + " (" + rows.columns + ") VALUES (" +
                             placeholders + ") ON CONFLICT DO NOTHING";
  std::vector<RefusedImport> refused;
  if (dry_run) execSimple(session, "SAVEPOINT import_dry_run");
  // Rows with ids of their own leave the identity behind; a row without one then gets an id
  // past them, as SQLite's rowid would.
  bool identity_behind = false;
  for (std::size_t i = 0; i < rows.count; ++i) {
    const store::sql::Params params = rows.row(i);
    const bool own_id = !std::holds_alternative<std::monostate>(params.front());
    if (!own_id && identity_behind) {
      advanceIdentity(session, rows.table);
      identity_behind = false;
    }
    if (sql::exec(session, insert, params) == 0) {
      // The id, when a row of this same batch took it; else a unique name.
      const bool id_taken =
          own_id && sql::scalar(session, "SELECT COUNT(*) FROM " + rows.table + " WHERE id = ?",
                                {params.front()}) > 0;
      refused.push_back({i, id_taken ? ImportRefusal::kIdTaken : ImportRefusal::kUniqueTaken, {}});
      continue;
    }
    identity_behind = identity_behind || own_id;
  }
  if (dry_run) {
    execSimple(session, "ROLLBACK TO SAVEPOINT import_dry_run");
    execSimple(session, "RELEASE SAVEPOINT import_dry_run");
  } else if (identity_behind) {
    advanceIdentity(session, rows.table);
  }
  return refused;
}

}  // namespace cc::store::postgresql
