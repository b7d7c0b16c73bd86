#include <sys/resource.h>

#include <algorithm>
#include <limits>

#include "service/open_file_limit.h"

namespace cc::service {
namespace {

int64_t limitValue(rlim_t value) {
  if (value == RLIM_INFINITY || value > static_cast<rlim_t>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(value);
}

}  // namespace

std::optional<OpenFileLimit> openFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  return OpenFileLimit{limitValue(limit.rlim_cur), limitValue(limit.rlim_max)};
}

std::optional<OpenFileLimit> raiseOpenFileLimit(int64_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  const int64_t soft = limitValue(limit.rlim_cur);
  const int64_t target = std::min(wanted, limitValue(limit.rlim_max));
  if (target > soft) {
    rlimit raised = limit;
    raised.rlim_cur = static_cast<rlim_t>(target);
    // On failure the limit stays as it was; the caller reports the one in force.
    ::setrlimit(RLIMIT_NOFILE, &raised);
  }
  return openFileLimit();
}

}  // namespace cc::service
