#pragma once
// Keyset cursors: where the next page of a listing starts, as an opaque token.

#include <cstdint>
#include <string>
#include <variant>

#include "common/result.h"

namespace cc::domain {

/// A sort key's value: integer columns and times as integers, text columns as text.
using SortKey = std::variant<int64_t, std::string>;

/// The last row of a page: its sort key and id, and the sort ("name", "-id") it was issued for,
/// so that a cursor is never replayed against another order. The next page starts strictly
/// after (key, id) in that order, whatever was inserted or deleted in between.
struct Cursor {
  std::string sort;
  SortKey key = int64_t{0};
  int64_t id = 0;
};

/// URL-safe base64 of a versioned encoding; clients treat it as opaque.
std::string encodeCursor(const Cursor& cursor);
/// Error::invalid("cursor", …) for anything encodeCursor did not make.
common::Result<Cursor> decodeCursor(const std::string& text);

}  // namespace cc::domain
