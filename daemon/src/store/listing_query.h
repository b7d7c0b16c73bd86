#pragma once
// The statements of a keyset listing and their bound values, in SQL both backends speak.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "domain/input.h"

namespace cc::store::sql {

/// One bound parameter; std::monostate binds NULL.
using Value = std::variant<std::monostate, int64_t, std::string>;
using Params = std::vector<Value>;

/// A cursor's sort key as a bound value.
Value toValue(const domain::SortKey& key);

/// A WHERE clause grown one condition at a time, each with its bound value ("" when empty).
/// Conditions mark their parameter with `?`; a backend that numbers them ($1, $2, ...) renumbers
/// the finished statement.
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

  /// Takes the window's offset and cursor, and its limit plus one: the extra row tells whether a
  /// next page exists (domain::Page::trimTo).
  void setWindow(const domain::ListWindow& window);
};

/// One statement of a listing; its LIMIT is parameter `limit_at`, to be set to the rows still
/// missing from the page when it runs.
struct ListingStep {
  PageQuery query;
  std::size_t limit_at;
};

/// The statements that read a listing's page, in order. After a cursor with a sort key there
/// are two: the rows that tie with the cursor's key (by id), then the rows past it. Each is a
/// range of one index, so a page costs the same at any depth; a row-value comparison
/// (key, id) > (?, ?) would not, since SQLite bounds only the index's first column by it and
/// steps over every tie.
std::vector<ListingStep> listingSteps(const Listing& listing);

/// The SET list of an UPDATE ("a = ?, b = ?") for `assignments`, whose values are appended to
/// `params`; "" for none.
std::string setList(const std::vector<std::pair<const char*, Value>>& assignments, Params& params);

/// The statement that counts the rows of `select` (a "SELECT 1 FROM … WHERE …"), at most `cap`:
/// bounded work where no maintained count fits.
PageQuery cappedCountQuery(const std::string& select, const Params& params, int64_t cap);

}  // namespace cc::store::sql
