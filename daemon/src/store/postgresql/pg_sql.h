#pragma once
// Statements for the PostgreSQL repositories: bound parameters, typed column reads, keyset pages,
// each statement prepared once per connection.

#include <Poco/Data/Session.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "store/listing_query.h"
#include "store/session_pool.h"
#include "store/sql_database.h"

struct pg_result;

namespace cc::store::postgresql::sql {

using store::sql::Listing;
using store::sql::PageQuery;
using store::sql::Params;
using store::sql::Value;
using store::sql::Where;

/// One result row, read by column index; valid only inside the callback that receives it.
/// Every value arrives as PostgreSQL's text form: integers in decimal, booleans as "t" or "f".
class Row final : public SqlRow {
 public:
  Row(const pg_result* result, int row) : result_(result), row_(row) {}
  bool isNull(int col) const override;
  int64_t integer(int col) const override;
  bool boolean(int col) const override;
  std::string text(int col) const override;

 private:
  const pg_result* result_;
  int row_;
};

/// `sql` with each `?` outside a quoted literal or identifier numbered $1, $2, ... in order:
/// the repositories and the shared listing builder write `?`, PostgreSQL takes only `$n`.
std::string numberPlaceholders(const std::string& sql);

/// Runs `sql` (with `?` placeholders) bound to `params`, and hands each row to `row` (may be
/// empty); returns the number of rows it returned, or for a statement without RETURNING the
/// number it changed. Parameters go as text (NULL for std::monostate), so no Poco binding
/// rules apply. The statement is prepared on the connection the first time it runs there and
/// reused after (see withStatementCache). Failures throw Poco's StatementException with the
/// SQLSTATE in its text ("... State: 23505"), for classifyFailure().
std::size_t run(Poco::Data::Session& session, const std::string& sql, const Params& params,
                const std::function<void(const Row&)>& row);
/// run() for a statement whose rows do not matter: the rows changed.
int64_t exec(Poco::Data::Session& session, const std::string& sql, const Params& params = {});
/// The single integer a query such as COUNT(*) returns (0 when it returns no row).
int64_t scalar(Poco::Data::Session& session, const std::string& sql, const Params& params = {});

/// An ILIKE pattern that matches the values containing `text` (case-insensitively), with
/// `%`, `_` and `\` in it taken literally: the rows SQLite's trigram index finds for it. The
/// pg_trgm indexes serve it for three characters or more.
std::string containsPattern(const std::string& text);

/// Takes ownership of `session` and keeps the statements run() prepares on its connection until
/// it closes. Any other session prepares and frees a statement per call.
PooledSession withStatementCache(PooledSession session);
/// How many statements are kept for `session`'s connection (0 when it has no cache).
std::size_t cachedStatements(Poco::Data::Session& session);

}  // namespace cc::store::postgresql::sql
