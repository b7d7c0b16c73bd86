#pragma once
// Writing a secret to a file only its owner can read.

#include <string>

#include "common/result.h"

namespace cc::auth {

/// Creates or replaces `path` with `content`, mode 0600 from the first byte on (never briefly
/// world-readable), and syncs it to disk. kDependencyUnavailable naming the path on failure.
common::Status writeSecretFile(const std::string& path, const std::string& content);

}  // namespace cc::auth
