#include "service/open_file_limit.h"

namespace cc::service {

// Windows has no per-process descriptor limit on sockets to read or raise.
std::optional<OpenFileLimit> openFileLimit() { return std::nullopt; }
std::optional<OpenFileLimit> raiseOpenFileLimit(int64_t) { return std::nullopt; }

}  // namespace cc::service
