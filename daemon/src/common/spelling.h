#pragma once
// Did-you-mean hints: the closest known name to an unknown one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc::common {

/// The candidate closest to `unknown` by edit distance, when it is close enough to be a likely
/// typo (at most max(2, length / 4) edits); the first of equally close ones. Serves config keys,
/// query parameters and body fields alike. Pure; thread-safe.
std::optional<std::string> closestSpelling(std::string_view unknown,
                                           const std::vector<std::string_view>& candidates);

/// " (did you mean 'x'?)" for the closest candidate, or "" when none is close.
std::string didYouMean(std::string_view unknown, const std::vector<std::string_view>& candidates);

}  // namespace cc::common
