#pragma once
// JSON string literals from arbitrary bytes, the UTF-8 check behind them, and the checks a JSON
// text passes before a parser sees it.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace cc::common {

/// Length of the well-formed UTF-8 sequence starting at `text[i]` (1 for ASCII), or 0 when it
/// is not one: a stray continuation byte, a truncated sequence, an overlong form, a UTF-16
/// surrogate or a code point past U+10FFFF.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i);

/// Appends `text` as a quoted JSON string: quotes, backslashes and control characters escaped,
/// ill-formed UTF-8 replaced by U+FFFD, so the result is valid JSON whatever the bytes were
/// (process names, command lines, client input).
void appendJsonString(std::string& out, std::string_view text);

/// `text` as a quoted JSON string (see appendJsonString).
std::string jsonString(std::string_view text);

/// The deepest nesting accepted before Poco's recursive parser sees a text.
inline constexpr int kMaxJsonDepth = 32;

/// Called for each member of a top-level JSON object as the scan passes its end, with the
/// member's name (escapes decoded) and its value's size as sent, whitespace between tokens not
/// counted; an error stops the scan and is what the check returns.
using JsonMemberCheck = std::function<Status(std::string_view name, std::size_t value_bytes)>;

/// Checks without parsing: valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// past U+10FFFF), no NUL, nesting within `max_depth`. Error::badRequest otherwise, its message
/// naming `subject` ("request body", "line"). With `members`, each member of a top-level object
/// is also given to it, so that an unknown or oversized field is refused before a parser builds
/// a tree of the whole text.
Status checkJsonText(std::string_view text, int max_depth = kMaxJsonDepth,
                     std::string_view subject = "request body",
                     const JsonMemberCheck& members = {});

}  // namespace cc::common
