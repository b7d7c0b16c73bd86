// Reading the process environment.
#pragma once

#include <cstdlib>
#include <string>

namespace cc::common {

/// The value of environment variable `name`, or `fallback` when it is not set. Reads the
/// environment without locking: call it where nothing changes the environment concurrently.
inline std::string envOr(const char* name, const std::string& fallback = {}) {
  const char* value = std::getenv(name);
  return value == nullptr ? fallback : std::string(value);
}

}  // namespace cc::common
