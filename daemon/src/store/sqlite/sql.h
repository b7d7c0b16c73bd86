#pragma once
// Small helpers for the SQLite repositories: bound parameters, typed column reads, keyset pages.

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/input.h"
#include "store/listing_query.h"
#include "store/sql_database.h"

struct sqlite3_stmt;

namespace cc::store::sqlite::sql {

// The listing builder and bound values every backend shares, under their old names here.
using store::sql::Listing;
using store::sql::PageQuery;
using store::sql::Params;
using store::sql::toValue;
using store::sql::Value;
using store::sql::Where;

/// Runs a statement that returns no rows; returns the number of rows it changed.
int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params = {});
/// Runs a query and returns all its rows.
Poco::Data::RecordSet query(Poco::Data::Session& session, const std::string& sql,
                            const Params& params = {});
/// The single integer a query such as COUNT(*) returns.
/// Runs a transaction-control statement (BEGIN, COMMIT, SAVEPOINT, RELEASE, ROLLBACK ...) from
/// the session's statement cache. It reads no table, so StatementLog leaves it out.
void control(Poco::Data::Session& session, const char* statement);
int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params = {});
int64_t lastInsertId(Poco::Data::Session& session);

/// One result row of forEachRow, read by column index; valid only inside the callback.
class Row final : public SqlRow {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool isNull(int col) const override;
  int64_t integer(int col) const override;
  bool boolean(int col) const override { return integer(col) != 0; }
  std::string text(int col) const override;

 private:
  sqlite3_stmt* stmt_;
};

/// Runs a query on the session's SQLite connection directly and hands each row to `row`, typed
/// reads straight from SQLite without Poco's per-cell Dynamic::Var; returns the number of rows.
/// Failures throw the Poco SQLite exception for the result code, as every other helper does.
std::size_t forEachRow(Poco::Data::Session& session, const std::string& sql, const Params& params,
                       const std::function<void(const Row&)>& row);

int64_t intAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<int64_t> optIntAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::string textAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);

/// An FTS5 MATCH argument for `text` as one phrase: with the trigram tokenizer it matches the
/// rows whose column contains `text` (case-insensitively), as LIKE '%text%' would, from the index.
std::string ftsPhrase(const std::string& text);

/// Every statement the sql helpers run while one of these lives, with its parameters: for the
/// test that reads the plan of every statement the repositories issue. One at a time.
class StatementLog {
 public:
  StatementLog();
  ~StatementLog();
  StatementLog(const StatementLog&) = delete;
  StatementLog& operator=(const StatementLog&) = delete;
  std::vector<PageQuery> take();

 private:
  std::mutex mu_;
  std::vector<PageQuery> statements_;
  friend void record(const std::string& sql, const Params& params);
};

/// A row an insertRows call refused: its index and SQLite's extended result code (a
/// SQLITE_CONSTRAINT_* code: the primary key taken, a foreign key or a UNIQUE column broken).
struct RefusedRow {
  std::size_t index = 0;
  int code = 0;
};

/// What insertRows did: the rows refused, and the rowid each row got (0 for a refused one).
struct InsertedRows {
  std::vector<RefusedRow> refused;
  std::vector<int64_t> rowids;
};

/// Runs one prepared `insert` for each of `count` rows, bound from `row(i)`, in the caller's
/// transaction. A row that breaks a constraint is refused (SQLite undoes that statement and its
/// triggers) and the others go in; any other failure throws, as the helpers above do. Prepared
/// once per call: the cost of a row is its bind and step alone.
InsertedRows insertRows(Poco::Data::Session& session, const std::string& insert, std::size_t count,
                        const std::function<Params(std::size_t)>& row);

/// The (dimension, value) pairs of row_counts that a table's count trigger adds one to for a
/// row: ("total", ""), ("status", "busy"), ...
using CountKeys = std::vector<std::pair<std::string, std::string>>;

/// What importRows needs of one table.
struct ImportTable {
  /// "agents": also its row_counts.tbl, its search index `<table>_fts` (rowid, name) and the
  /// insert triggers `<table>_fts_insert` and `<table>_count_insert` whose work importRows does.
  std::string table;
  std::string insert;  ///< the INSERT of one row, bound from `row`
};

/// Inserts `count` rows for an import as insertRows does, in a savepoint of the caller's write
/// transaction, keeping the maintained counts and the search index exactly as the table's insert
/// triggers would, at a fraction of their cost: each trigger runs a program per row, and for an
/// import the per-row FTS5 and count triggers cost more than the inserts. The two triggers are
/// dropped for the batch (their text read from sqlite_master first) and put back before the
/// savepoint ends; their work is done once for the rows that went in: one upsert per count key
/// (`count_keys(i, keys)` appends row i's), one index insert per row (`search_text(i)`). Other
/// connections never see the triggers missing (the DDL is part of the transaction, and writers
/// are serialised); when anything throws, the savepoint is rolled back, triggers and all.
/// `dry_run` rolls it back once the checks are done. Throws when a trigger does not exist,
/// rather than leave its work undone.
InsertedRows importRows(Poco::Data::Session& session, const ImportTable& table, std::size_t count,
                        bool dry_run, const std::function<Params(std::size_t)>& row,
                        const std::function<void(std::size_t, CountKeys&)>& count_keys,
                        const std::function<std::string(std::size_t)>& search_text);

}  // namespace cc::store::sqlite::sql
