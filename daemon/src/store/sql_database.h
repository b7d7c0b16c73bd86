#pragma once
// What the repositories need of a SQL backend: transactions, statements, and the few places where
// the backends' SQL differs. sqlite::Database and postgresql::Database implement it.

#include <Poco/Data/Session.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/listing_query.h"

namespace cc::store {

/// One result row of a backend's statement, read by column index; valid only inside the callback
/// that receives it. The backends' rows (sqlite::sql::Row, postgresql::sql::Row) are these.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool isNull(int col) const = 0;
  virtual int64_t integer(int col) const = 0;
  /// A BOOLEAN column (SQLite: an integer, non-zero for true).
  virtual bool boolean(int col) const = 0;
  /// The column's text ("" for NULL), copied.
  virtual std::string text(int col) const = 0;
  std::optional<int64_t> optionalInteger(int col) const {
    if (isNull(col)) return std::nullopt;
    return integer(col);
  }
};

/// A lock a backend with concurrent writers (PostgreSQL) takes on the rows a SELECT reads, until
/// the transaction ends; a backend that serialises its writers (SQLite) needs none.
enum class RowLock {
  kKeyShare,  ///< the row may not be deleted (nor its key changed) meanwhile
  kUpdate,    ///< the row may not be changed meanwhile
};

/// How a backend finds the rows whose `name` contains a text (case-insensitively), served by an
/// index: a listing of `table` reads `from`, names the row's id `id_column`, and adds
/// `condition` (one `?`, bound to `value`). A count of the matches alone reads `count_from`.
struct NameSearch {
  std::string from;
  std::string id_column;
  std::string condition;
  sql::Value value;
  std::string count_from;
};

/// The rows of one import for SqlDatabase::importRows.
struct ImportRows {
  /// "agents": also the `row_counts.tbl` of its maintained counts.
  std::string table;
  /// The columns each row binds, in order, "id" first ("id, name, ..."); a NULL id takes a new one.
  std::string columns;
  std::size_t count = 0;
  std::function<sql::Params(std::size_t)> row;
  /// The (dimension, value) pairs of row_counts that row i adds one to: ("total", ""), ...
  std::function<void(std::size_t, std::vector<std::pair<std::string, std::string>>&)> count_keys;
  /// The text the name search finds row i by.
  std::function<std::string(std::size_t)> search_text;
};

/// Why importRows refused a row.
enum class ImportRefusal {
  kIdTaken,           ///< its id is another row's
  kUniqueTaken,       ///< a unique index (the name) holds another row with its value
  kReferenceMissing,  ///< a foreign key names no row
  kOther,             ///< another constraint; RefusedImport::detail says which
};

struct RefusedImport {
  std::size_t index = 0;
  ImportRefusal reason = ImportRefusal::kOther;
  std::string detail;
};

/// What a unit of work does to the database. A quick write is one or two statements on one row
/// (a heartbeat): a backend that batches its writes runs it ahead of the other writes of its
/// batch, so that it does not wait behind them.
enum class Access { kRead, kWrite, kQuickWrite };

/// A SQL database the repositories run on. read() and write() run a unit of work in a
/// transaction and turn every failure into an Error (see each backend's Database for its
/// guarantees: group commit on SQLite, a bounded retry on PostgreSQL, so `fn` may run more than
/// once and must start from scratch each time). The statement helpers run inside such a unit,
/// on its session, and throw as the backend does; the transaction turns that into an Error.
/// Thread-safe.
class SqlDatabase {
 public:
  using Work = std::function<common::Status(Poco::Data::Session&)>;
  using RowHandler = std::function<void(const SqlRow&)>;

  virtual ~SqlDatabase() = default;

  /// Runs `fn(session)` in a read transaction (one consistent snapshot) and returns its result.
  template <class F>
  auto read(common::SteadyTime deadline, F&& fn) {
    return run<F>(deadline, Access::kRead, std::forward<F>(fn));
  }
  /// Runs `fn(session)` in a write transaction; an error result rolls back what `fn` did.
  template <class F>
  auto write(common::SteadyTime deadline, F&& fn) {
    return run<F>(deadline, Access::kWrite, std::forward<F>(fn));
  }
  /// write() for a quick write (see Access).
  template <class F>
  auto quickWrite(common::SteadyTime deadline, F&& fn) {
    return run<F>(deadline, Access::kQuickWrite, std::forward<F>(fn));
  }

  /// Runs `sql` (with `?` placeholders) bound to `params` and hands each row to `row` (may be
  /// empty); the number of rows returned, or for a statement without RETURNING the rows changed.
  virtual std::size_t query(Poco::Data::Session& session, const std::string& sql,
                            const sql::Params& params, const RowHandler& row) = 0;
  /// query() for a statement whose rows do not matter.
  int64_t exec(Poco::Data::Session& session, const std::string& sql,
               const sql::Params& params = {});
  /// The single integer a query such as COUNT(*) returns (0 when it returns no row).
  int64_t scalar(Poco::Data::Session& session, const std::string& sql,
                 const sql::Params& params = {});
  /// Reads the listing's page (store::sql::listingSteps): up to `limit` rows, handed to `row`.
  void readListing(Poco::Data::Session& session, const sql::Listing& listing,
                   const RowHandler& row);
  /// COUNT(*) of `select` (a "SELECT 1 FROM … WHERE …") but at most `cap`.
  int64_t cappedCount(Poco::Data::Session& session, const std::string& select,
                      const sql::Params& params, int64_t cap);
  /// The rows a name search alone matches, at most `cap`, counted in its index (`count_from`),
  /// without joining each match to its row. A backend may answer from a count it made earlier
  /// when it can tell, in this transaction, that the index has not changed since.
  virtual int64_t searchCount(Poco::Data::Session& session, const NameSearch& search, int64_t cap);

  /// The name search of `table` for `text`.
  virtual NameSearch nameSearch(const std::string& table, const std::string& text) const = 0;
  /// The operator that compares a nullable column with a bound value, NULL equal to NULL.
  virtual const char* nullSafeEquals() const = 0;
  /// The clause that ends a SELECT to take `lock` ("" where writers are serialised).
  virtual const char* lockClause(RowLock lock) const = 0;
  /// A boolean as a bound value.
  virtual sql::Value boolValue(bool value) const = 0;

  /// The bulk load of `table` (store::AgentRepository::loadBatch), in the caller's write
  /// transaction: begin when the table is empty (whether a load is in progress after the call),
  /// whether one is in progress, and its end (the number of deferred indexes built).
  virtual bool beginBulkLoad(Poco::Data::Session& session, const std::string& table) = 0;
  virtual bool bulkLoadPending(Poco::Data::Session& session, const std::string& table) = 0;
  virtual int64_t endBulkLoad(Poco::Data::Session& session, const std::string& table) = 0;

  /// Inserts the rows of an import in the caller's write transaction, each as given (its id
  /// too), keeping the maintained counts and the name search exact, as fast as the backend
  /// can; `dry_run` keeps nothing. A row a constraint refuses is left out, the others go in; any
  /// other failure throws. The caller refuses rows whose id is taken first: a backend may see
  /// such a row as kUniqueTaken. The refusals, in row order.
  virtual std::vector<RefusedImport> importRows(Poco::Data::Session& session,
                                                const ImportRows& rows, bool dry_run) = 0;

  virtual const common::Clock& clock() const = 0;

 protected:
  SqlDatabase() = default;
  SqlDatabase(const SqlDatabase&) = delete;
  SqlDatabase& operator=(const SqlDatabase&) = delete;

  /// Runs `work` in a read or write transaction; its status, or the store's Error.
  virtual common::Status execute(common::SteadyTime deadline, Access access, const Work& work) = 0;

 private:
  template <class F>
  auto run(common::SteadyTime deadline, Access access, F&& fn)
      -> std::invoke_result_t<F&, Poco::Data::Session&> {
    using R = std::invoke_result_t<F&, Poco::Data::Session&>;
    std::optional<R> out;
    common::Status status =
        execute(deadline, access, [&](Poco::Data::Session& s) -> common::Status {
          out.emplace(fn(s));
          if (out->ok()) return common::Ok{};
          return out->error();
        });
    if (!status.ok()) return status.error();
    return std::move(*out);
  }
};

}  // namespace cc::store
