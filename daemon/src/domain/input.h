#pragma once
// Shared pieces of the domain layer: JSON field readers that name the offending field, text
// limits, and list windows (limit, cursor or offset, sort).

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_text.h"
#include "common/json_writer.h"
#include "common/result.h"
#include "domain/cursor.h"

namespace cc::domain {

/// One page of a listing. `total` is the number of rows that match the filter in all, or, when
/// `total_is_lower_bound`, a lower bound (kCountCap) because no maintained count fits the filter
/// and counting further would cost time in proportion to the data. `has_more`: a next page exists.
template <class T>
struct Page {
  std::vector<T> items;
  int64_t total = 0;
  bool total_is_lower_bound = false;
  bool has_more = false;

  /// For items read one past `limit`: drops the extra one and records that a next page exists.
  void trimTo(int64_t limit) {
    has_more = static_cast<int64_t>(items.size()) > limit;
    if (has_more) items.resize(static_cast<std::size_t>(limit));
  }
};

inline constexpr int kDefaultLimit = 50;
inline constexpr int kMaxLimit = 500;
/// The deepest `offset` served; deeper pages are reached with `cursor`, whose cost does not grow.
inline constexpr int64_t kMaxOffset = 10000;
/// How far a listing counts matching rows when no maintained count fits its filter.
inline constexpr int64_t kCountCap = 1000;

/// A column to order by and its direction, from "name" or "-name".
struct SortOrder {
  std::string column;
  bool descending = false;
};

/// Where the page after `item` starts in `sort` order ("name" or "-name"): the item's
/// sortKey(item, column) and id.
template <class T>
Cursor cursorAfter(const T& item, const std::string& sort) {
  const std::string column = !sort.empty() && sort[0] == '-' ? sort.substr(1) : sort;
  return Cursor{sort, sortKey(item, column), item.id};
}

/// {"items":[…],"total":n,"total_is_lower_bound":b,"limit":n,"next_cursor":c|null} and
/// "offset" when the page was asked for by offset; items by writeJson(w, item), next_cursor from
/// cursorAfter(last item, sort), both found next to the item's type.
template <class T>
std::string pageToJson(const Page<T>& page, const std::string& sort, int64_t limit,
                       std::optional<int64_t> offset) {
  std::string out;
  out.reserve(64 + page.items.size() * 384);
  common::JsonWriter w(out);
  w.beginObject().key("items").beginArray();
  for (const auto& item : page.items) writeJson(w, item);
  w.endArray();
  w.key("total").value(page.total);
  w.key("total_is_lower_bound").value(page.total_is_lower_bound);
  w.key("limit").value(limit);
  if (offset) w.key("offset").value(*offset);
  w.key("next_cursor");
  if (page.has_more && !page.items.empty()) {
    w.value(encodeCursor(cursorAfter(page.items.back(), sort)));
  } else {
    w.null();
  }
  w.endObject();
  return out;
}

/// Parses `sort` against the allowed columns; Error::invalid("sort", …) otherwise.
common::Result<SortOrder> parseSort(const std::string& text,
                                    const std::vector<std::string>& allowed);
/// The window every listing shares: how many rows, and where they start (a cursor, or for
/// compatibility an offset up to kMaxOffset, never both).
struct ListWindow {
  int64_t limit = kDefaultLimit;
  int64_t offset = 0;
  bool offset_given = false;
  std::optional<Cursor> cursor;
};

/// Whether `page`, read through `window`, holds every matching row: it starts at the first (no
/// cursor, no offset) and no next page exists. Its size is then the exact total, and a listing
/// need not count: a narrow filter costs one read, however rare its matches are in the table.
template <class T>
bool holdsEveryMatch(const Page<T>& page, const ListWindow& window) {
  return !page.has_more && !window.cursor && window.offset == 0;
}

/// limit 1..500, offset 0..kMaxOffset and not with a cursor, a cursor issued for `sort`; the
/// error names the field that is wrong.
common::Status checkWindow(const ListWindow& window, const std::string& sort);

/// Reads the listing parameters every collection shares (q, sort, limit, offset, cursor) from a
/// query string, leaving absent ones as they are; a malformed one names its field.
common::Status readListParams(const std::map<std::string, std::string>& query, std::string& q,
                              std::string& sort, ListWindow& window);
/// Error::invalid naming the first query parameter not in `known` ("unknown query parameter",
/// with a did-you-mean hint when one is close): a misspelt filter must not silently match all.
common::Status rejectUnknownParams(const std::map<std::string, std::string>& query,
                                   const std::vector<std::string_view>& known);
/// An integer query parameter, `fallback` when absent.
common::Result<int64_t> queryInt(const std::map<std::string, std::string>& query,
                                 const std::string& key, int64_t fallback);

/// Number of UTF-8 code points in `text`.
std::size_t textLength(const std::string& text);
/// `text` has min..max code points; Error::invalid(field, …) otherwise.
common::Status checkText(const std::string& field, const std::string& text, std::size_t min,
                         std::size_t max);

/// The most bytes a JSON string of `max_code_points` code points can take as sent: each one
/// escaped as a surrogate pair (12 bytes), and the quotes.
constexpr std::size_t sentTextBytes(std::size_t max_code_points) {
  return max_code_points * 12 + 2;
}

/// The fields a request body may carry, each with the most bytes its value may take as sent
/// (whitespace between tokens not counted). Checked member by member while the body is scanned
/// (common::checkJsonText), before it is parsed, so that an unknown or oversized field is
/// refused without a parse tree of the whole body; each error names the field. The exact checks
/// (code points, compact JSON size) follow after the parse. Immutable; thread-safe.
class BodyFields {
 public:
  BodyFields(std::vector<std::pair<std::string, std::size_t>> fields)
      : fields_(std::move(fields)) {}
  /// These fields and `more`.
  BodyFields with(std::vector<std::pair<std::string, std::size_t>> more) const;

  /// Error::invalid(name, "unknown field…") for a field not listed, tooLarge(…) for one over
  /// its size.
  common::Status check(std::string_view name, std::size_t value_bytes) const;
  /// The check as the scan takes it.
  common::JsonMemberCheck memberCheck() const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::pair<std::string, std::size_t>> fields_;
};

/// Error::invalid(field, "must be at most `max` bytes of JSON, got `got`").
common::Error tooLarge(const std::string& field, std::size_t max, std::size_t got);

/// Readers for a JSON object. Absent fields give nullopt; a field of the wrong type gives
/// Error::invalid naming it. Null counts as absent except where noted.
namespace json_input {
/// Error::invalid for the first field not in `known`.
common::Status rejectUnknown(const Poco::JSON::Object& obj, const std::vector<std::string>& known);
common::Result<std::optional<std::string>> text(const Poco::JSON::Object& obj,
                                                const std::string& field);
common::Result<std::optional<bool>> boolean(const Poco::JSON::Object& obj,
                                            const std::string& field);
/// An integer, or an explicit null (the inner nullopt), or absent (the outer nullopt).
common::Result<std::optional<std::optional<int64_t>>> nullableInt(const Poco::JSON::Object& obj,
                                                                  const std::string& field);
/// A JSON object, returned as its compact text.
common::Result<std::optional<std::string>> objectText(const Poco::JSON::Object& obj,
                                                      const std::string& field);
common::Error required(const std::string& field);
}  // namespace json_input

/// True when `text` is one JSON object.
bool isJsonObjectText(const std::string& text);

}  // namespace cc::domain
