#include <windows.h>

#include <string>

#include "common/thread_priority.h"

namespace cc::common {

Status setThreadNice(int nice) {
  const int level = nice <= -10 ? THREAD_PRIORITY_HIGHEST
                    : nice < 0  ? THREAD_PRIORITY_ABOVE_NORMAL
                    : nice == 0 ? THREAD_PRIORITY_NORMAL
                    : nice < 10 ? THREAD_PRIORITY_BELOW_NORMAL
                                : THREAD_PRIORITY_LOWEST;
  if (::SetThreadPriority(::GetCurrentThread(), level)) return Ok{};
  return Error::dependencyUnavailable("SetThreadPriority(" + std::to_string(level) +
                                      ") failed: error " + std::to_string(::GetLastError()));
}

int threadNice() {
  switch (::GetThreadPriority(::GetCurrentThread())) {
    case THREAD_PRIORITY_HIGHEST:
      return -10;
    case THREAD_PRIORITY_ABOVE_NORMAL:
      return -5;
    case THREAD_PRIORITY_BELOW_NORMAL:
      return 5;
    case THREAD_PRIORITY_LOWEST:
      return 10;
    default:
      return 0;
  }
}

// Windows has no wake-up policy to choose.
Status setThreadBatch(bool) { return Ok{}; }
bool threadBatch() { return false; }

}  // namespace cc::common
