#pragma once
// Writing files that hold secrets: created new, readable by the owner only.

#include <string>

#include "common/result.h"

namespace cc::common {

/// Creates `path` (and its directory) with `content`, mode 0600 on POSIX (owner-only ACL
/// inherited from the state directory on Windows), flushed to disk. Fails if the file exists.
Status writeSecretFile(const std::string& path, const std::string& content);

}  // namespace cc::common
