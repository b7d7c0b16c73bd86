#pragma once
// The process's limit on open file descriptors (RLIMIT_NOFILE), read and raised.

#include <cstdint>
#include <optional>

namespace cc::service {

/// RLIMIT_NOFILE's two values; an unlimited one reads as INT64_MAX.
struct OpenFileLimit {
  int64_t soft = 0;  // in force
  int64_t hard = 0;  // how far an unprivileged process may raise `soft`
};

/// The limit now; nullopt where there is none to read (Windows) or getrlimit failed.
std::optional<OpenFileLimit> openFileLimit();

/// Raises the soft limit towards `wanted`, never past the hard limit nor lowering it, and returns
/// the limit then in force (nullopt as openFileLimit()). A failed setrlimit leaves it as it was.
std::optional<OpenFileLimit> raiseOpenFileLimit(int64_t wanted);

}  // namespace cc::service
