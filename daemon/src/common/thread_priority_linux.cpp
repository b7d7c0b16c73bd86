#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common/thread_priority.h"

namespace cc::common {

namespace {
// On Linux a thread's id names it alone to setpriority (threads are scheduled one by one).
id_t thisThread() { return static_cast<id_t>(::syscall(SYS_gettid)); }
}  // namespace

Status setThreadNice(int nice) {
  if (::setpriority(PRIO_PROCESS, thisThread(), nice) == 0) return Ok{};
  const int e = errno;
  return Error::dependencyUnavailable(
      "setpriority(" + std::to_string(nice) + "): " + std::strerror(e) +
      (e == EACCES || e == EPERM ? " (needs CAP_SYS_NICE or RLIMIT_NICE, e.g. LimitNICE=)" : ""));
}

int threadNice() {
  errno = 0;
  return ::getpriority(PRIO_PROCESS, thisThread());
}

// sched_setscheduler keeps the thread's nice value for SCHED_OTHER and SCHED_BATCH alike.
Status setThreadBatch(bool batch) {
  const sched_param none{};
  if (::sched_setscheduler(static_cast<pid_t>(thisThread()), batch ? SCHED_BATCH : SCHED_OTHER,
                           &none) == 0)
    return Ok{};
  const int e = errno;
  return Error::dependencyUnavailable(std::string("sched_setscheduler(") +
                                      (batch ? "SCHED_BATCH" : "SCHED_OTHER") +
                                      "): " + std::strerror(e));
}

bool threadBatch() { return ::sched_getscheduler(static_cast<pid_t>(thisThread())) == SCHED_BATCH; }

}  // namespace cc::common
