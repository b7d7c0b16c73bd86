#pragma once
// Small helpers for the SQLite repositories: bound parameters, typed column reads, keyset pages.

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/cursor.h"

namespace cc::store::sql {

/// One bound parameter; std::monostate binds NULL.
using Value = std::variant<std::monostate, int64_t, std::string>;
using Params = std::vector<Value>;

/// Runs a statement that returns no rows; returns the number of rows it changed.
int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params = {});
/// Runs a query and returns all its rows.
Poco::Data::RecordSet query(Poco::Data::Session& session, const std::string& sql,
                            const Params& params = {});
/// The single integer a query such as COUNT(*) returns.
int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params = {});
int64_t lastInsertId(Poco::Data::Session& session);

int64_t intAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::optional<int64_t> optIntAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);
std::string textAt(const Poco::Data::RecordSet& rs, std::size_t col, std::size_t row);

/// A cursor's sort key as a bound value.
Value toValue(const domain::SortKey& key);

/// An FTS5 MATCH argument for `text` as one phrase: with the trigram tokenizer it matches the
/// rows whose column contains `text` (case-insensitively), as LIKE '%text%' would, from the index.
std::string ftsPhrase(const std::string& text);

/// COUNT(*) of `select` (a "SELECT 1 FROM … WHERE …") but at most `cap`: bounded work where no
/// maintained count fits.
int64_t cappedCount(Poco::Data::Session& session, const std::string& select, const Params& params,
                    int64_t cap);

/// A WHERE clause grown one condition at a time, each with its bound value ("" when empty).
struct Where {
  std::string text;
  Params params;
  void add(const std::string& condition, Value value);
};

/// A statement and its bound values.
struct PageQuery {
  std::string sql;
  Params params;
};

/// A keyset listing: rows of `from` that match `where`, in (key, id) order, starting strictly
/// after the cursor (after_key, after_id) when there is one. `key` is a sort expression from a
/// whitelist, never from input text, and must be the leading column of an index (after the
/// filters' equality columns); empty means id order. `id_column` is the row's id as `from`
/// names it.
struct Listing {
  std::string columns;
  std::string from;
  std::string id_column;
  Where where;
  std::string key;
  bool descending = false;
  int64_t limit = 0;
  int64_t offset = 0;
  std::optional<Value> after_key;
  std::optional<int64_t> after_id;
};

/// Reads the listing's page: up to `limit` rows, handed to `read` one result at a time (it
/// returns how many rows it took). After a cursor with a sort key this runs two statements: the
/// rows that tie with the cursor's key (by id), then the rows past it. Each is a range of one
/// index, so a page costs the same at any depth; a row-value comparison (key, id) > (?, ?)
/// would not, since SQLite bounds only the index's first column by it and steps over every tie.
void readListing(Poco::Data::Session& session, const Listing& listing,
                 const std::function<std::size_t(const Poco::Data::RecordSet&)>& read);

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

/// Runs `write` in a savepoint of the caller's write transaction with the named triggers
/// dropped, then puts them back exactly (their text is read from sqlite_master first), so that
/// a batch can do in a few statements what the triggers do row by row: each trigger runs a
/// program per row, and for the bulk import the per-row FTS5 and count triggers cost more than
/// the inserts. Other connections never see the triggers missing (the DDL is part of the
/// transaction, and writers are serialised), and when anything throws, the rollback of the
/// transaction puts them back too. `dry_run` rolls the savepoint back once `write` is done.
/// Throws when a named trigger does not exist, rather than leave its work undone.
void bulkWrite(Poco::Data::Session& session, const std::vector<std::string>& suspended_triggers,
               bool dry_run, const std::function<void()>& write);

/// Adds `deltas` ((dimension, value) -> n) to the maintained counts of table `tbl` in
/// row_counts, as the count triggers do one row at a time.
void addToCounts(Poco::Data::Session& session, const std::string& tbl,
                 const std::map<std::pair<std::string, std::string>, int64_t>& deltas);

}  // namespace cc::store::sql
