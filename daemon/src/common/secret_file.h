#pragma once
// Writing files that hold secrets or state: created new, readable by the owner only.

#include <string>

#include "common/result.h"

namespace cc::common {

/// Creates or replaces `path` (and creates its directory) with `content`, mode 0600 from the
/// first byte on (never briefly world-readable; owner-only ACL inherited from the state
/// directory on Windows), synced to disk. kDependencyUnavailable naming the path on failure.
Status writeSecretFile(const std::string& path, const std::string& content);

/// Creates `path` (and its missing parents) as a directory of mode 0700 whatever the umask, as
/// systemd's UMask= would; an existing directory keeps its mode (the operator chose it).
/// kDependencyUnavailable naming the path on failure.
Status makePrivateDirectory(const std::string& path);

/// Creates `path` empty with mode 0600 whatever the umask when it does not exist, so that what
/// is then written there (a database, which SQLite's -wal and -shm files copy the mode of, a
/// backup, the PID file) is never readable by others; an existing file keeps its mode.
Status makePrivateFile(const std::string& path);

/// The first line of a secret file an operator provides (trailing spaces and CR dropped),
/// refused when group or others may read it (on Windows the directory's ACL is trusted):
/// kDependencyUnavailable naming the path and the mode.
Result<std::string> readSecretFile(const std::string& path);

}  // namespace cc::common
