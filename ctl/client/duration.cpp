#include "client/duration.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "client/output.h"

namespace cc::ctl::client {

std::optional<std::chrono::milliseconds> parseDuration(std::string_view text) {
  std::size_t digits = 0;
  bool point = false;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || (text[digits] == '.' && !point))) {
    point = point || text[digits] == '.';
    ++digits;
  }
  const std::string number(text.substr(0, digits));
  if (number.empty() || number == ".") return std::nullopt;
  const std::string_view unit = text.substr(digits);
  double factor = 0;
  if (unit.empty() && std::strtod(number.c_str(), nullptr) == 0) {
    factor = 0;
  } else if (unit == "s") {
    factor = 1000;
  } else if (unit == "ms") {
    factor = 1;
  } else if (unit == "m") {
    factor = 60 * 1000;
  } else if (unit == "h") {
    factor = 3600 * 1000;
  } else {
    return std::nullopt;
  }
  const double ms = std::strtod(number.c_str(), nullptr) * factor;
  constexpr double kWeekMs = 7.0 * 24 * 3600 * 1000;
  if (!std::isfinite(ms) || ms > kWeekMs) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms)));
}

std::string formatDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms == 0) return "0s";
  if (ms % (3600 * 1000) == 0) return std::to_string(ms / (3600 * 1000)) + "h";
  if (ms % (60 * 1000) == 0) return std::to_string(ms / (60 * 1000)) + "m";
  if (ms < 1000) return std::to_string(ms) + "ms";
  return formatNumber(static_cast<double>(ms) / 1000.0, 3) + "s";
}

}  // namespace cc::ctl::client
