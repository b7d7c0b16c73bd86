// The SQLite side of SqlDatabase: the statements, FTS5 search, and the constraint codes of an
// import.
#include <sqlite3.h>

#include "store/sqlite/database.h"
#include "store/sqlite/deferred_indexes.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

std::size_t Database::query(Poco::Data::Session& session, const std::string& sql,
                            const store::sql::Params& params, const RowHandler& row) {
  if (!row) return static_cast<std::size_t>(sql::exec(session, sql, params));
  return sql::forEachRow(session, sql, params, [&](const sql::Row& r) { row(r); });
}

NameSearch Database::nameSearch(const std::string& table, const std::string& text) const {
  // The trigram index `<table>_fts` in rowid order, each match joined to its row.
  const std::string fts = table + "_fts";
  return {fts + " JOIN " + table + " ON " + table + ".id = " + fts + ".rowid", fts + ".rowid",
          fts + " MATCH ?", sql::ftsPhrase(text), fts};
}

int64_t Database::searchCount(Poco::Data::Session& session, const NameSearch& search, int64_t cap) {
  // Every committed change of an FTS5 index rewrites its structure record (rowid 10 of
  // `<index>_data`, part of FTS5's file format): a flush adds a segment and its write counter
  // only grows. Read in this reader's snapshot, an equal record means the index, and so the
  // count of a search in it, is the one counted before. The record is a few dozen bytes.
  std::string version;
  sql::forEachRow(session, "SELECT block FROM " + search.count_from + "_data WHERE id = ?",
                  {int64_t{10}}, [&](const sql::Row& row) { version = row.text(0); });
  if (version.empty()) return SqlDatabase::searchCount(session, search, cap);
  const std::string key = search.count_from + '\x1f' + std::to_string(cap) + '\x1f' +
                          std::get<std::string>(search.value);
  if (auto kept = search_counts_.find(key, version)) return *kept;
  const int64_t counted = SqlDatabase::searchCount(session, search, cap);
  search_counts_.keep(key, version, counted);
  return counted;
}

const char* Database::nullSafeEquals() const { return "IS"; }

// Writes are serialised (one writer connection), so nothing can change a row a write has read.
const char* Database::lockClause(RowLock /*lock*/) const { return ""; }

store::sql::Value Database::boolValue(bool value) const { return int64_t{value ? 1 : 0}; }

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
  std::string placeholders = "?";
  for (char c : rows.columns) {
    if (c == ',') placeholders += ", ?";
  }
  // The insert checks the constraints itself, in the index lookups a SELECT before it would make;
  // the count and search triggers' work is done once for the batch (sql::importRows).
  const sql::InsertedRows inserted =
      sql::importRows(session,
                      {rows.table, "INSERT INTO " + rows.table + " (" + rows.columns +
                                       ") VALUES (" + placeholders + ")"},
                      rows.count, dry_run, rows.row, rows.count_keys, rows.search_text);
  std::vector<RefusedImport> out;
  for (const auto& r : inserted.refused) {
    RefusedImport refused{r.index, ImportRefusal::kOther, sqlite3_errstr(r.code)};
    if (r.code == SQLITE_CONSTRAINT_PRIMARYKEY) refused.reason = ImportRefusal::kIdTaken;
    if (r.code == SQLITE_CONSTRAINT_UNIQUE) refused.reason = ImportRefusal::kUniqueTaken;
    if (r.code == SQLITE_CONSTRAINT_FOREIGNKEY) refused.reason = ImportRefusal::kReferenceMissing;
    out.push_back(std::move(refused));
  }
  return out;
}

}  // namespace cc::store::sqlite
