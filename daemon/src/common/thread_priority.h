#pragma once
// The scheduling priority of the calling thread, in nice values (-20 highest .. 19 lowest).

#include "common/result.h"

namespace cc::common {

/// Sets the calling thread's priority to `nice`. Raising it above the default needs the
/// privilege for it (Linux: CAP_SYS_NICE, or RLIMIT_NICE such as systemd's LimitNICE=); without
/// it the error says so and the priority stays as it was. On Windows nice values map onto
/// SetThreadPriority's levels (below -10: highest, below 0: above normal).
Status setThreadNice(int nice);
/// The calling thread's priority as a nice value.
int threadNice();

}  // namespace cc::common
