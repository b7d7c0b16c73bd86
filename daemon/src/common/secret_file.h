#pragma once
// Writing files that hold secrets: created new, readable by the owner only.

#include <string>

#include "common/result.h"

namespace cc::common {

/// Creates or replaces `path` (and creates its directory) with `content`, mode 0600 from the
/// first byte on (never briefly world-readable; owner-only ACL inherited from the state
/// directory on Windows), synced to disk. kDependencyUnavailable naming the path on failure.
Status writeSecretFile(const std::string& path, const std::string& content);

}  // namespace cc::common
