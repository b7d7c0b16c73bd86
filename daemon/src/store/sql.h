#pragma once
// Small helpers for the SQLite repositories: bound parameters and typed column reads.

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

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

/// `text` with the LIKE wildcards % and _ (and the escape character \) escaped, for
/// `LIKE ? ESCAPE '\'`.
std::string escapeLike(const std::string& text);

/// A WHERE clause grown one condition at a time, each with its bound value ("" when empty).
struct Where {
  std::string text;
  Params params;
  void add(const std::string& condition, Value value);
};

/// One page of a list: `select` (a "SELECT … FROM table" without WHERE), the conditions, the
/// sort column (from a whitelist, never from input text) and direction, ties broken by id.
struct PageQuery {
  std::string sql;
  Params params;
};
PageQuery pageQuery(const std::string& select, const Where& where, const std::string& order_column,
                    bool descending, int64_t limit, int64_t offset);

}  // namespace cc::store::sql
