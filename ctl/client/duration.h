#pragma once
// Durations as an operator types them on the command line: "500ms", "30s", "2m", "1h", "1.5s".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cc::ctl::client {

/// A non-negative duration: a number (fractions allowed) with a unit ms, s, m or h; only 0 may go
/// without one (a bare "30" could mean seconds or the milliseconds of the global --timeout).
/// nullopt for anything else, or for more than a week. Pure.
std::optional<std::chrono::milliseconds> parseDuration(std::string_view text);

/// The duration as the operator would type it back: "500ms", "30s", "2m", "1.5s".
std::string formatDuration(std::chrono::milliseconds duration);

}  // namespace cc::ctl::client
