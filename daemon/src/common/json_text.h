#pragma once
// JSON string literals from arbitrary bytes, and the UTF-8 check behind them.

#include <cstddef>
#include <string>
#include <string_view>

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

}  // namespace cc::common
