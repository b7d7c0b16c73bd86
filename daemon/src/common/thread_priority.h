#pragma once
// The scheduling priority of the calling thread: its nice value (-20 highest .. 19 lowest) and
// whether its wake-ups wait for the running thread (Linux SCHED_BATCH).

#include "common/result.h"

namespace cc::common {

/// Sets the calling thread's priority to `nice`. Raising it above the default needs the
/// privilege for it (Linux: CAP_SYS_NICE, or RLIMIT_NICE such as systemd's LimitNICE=); without
/// it the error says so and the priority stays as it was. On Windows nice values map onto
/// SetThreadPriority's levels (below -10: highest, below 0: above normal).
Status setThreadNice(int nice);
/// The calling thread's priority as a nice value.
int threadNice();

/// Whether the calling thread, when woken, waits for the running thread's turn to end instead
/// of taking its core at once (Linux: SCHED_BATCH, which keeps the thread's nice value and so
/// its share of the CPU). A thread woken for every small piece of work does more of it per
/// wake-up that way: an event loop finds the next requests already there. Needs no privilege.
/// Windows has no such policy: setting it succeeds and changes nothing, and threadBatch() is
/// false.
Status setThreadBatch(bool batch);
bool threadBatch();

/// A thread's nice value and wake-up policy, taken from one thread and given to others: the
/// worker threads of a pool run at the priority of the thread that built the pool, whichever
/// thread started them (a new thread takes its creator's, often an event loop's).
struct ThreadPriority {
  int nice = 0;
  bool batch = false;

  /// The calling thread's.
  static ThreadPriority ofThisThread() { return {threadNice(), threadBatch()}; }
  /// Gives it to the calling thread where it differs. Lowering needs no privilege; a refused
  /// raise leaves the thread at its creator's nice value.
  void takeHere() const {
    if (threadNice() != nice) (void)setThreadNice(nice);
    if (threadBatch() != batch) (void)setThreadBatch(batch);
  }
};

}  // namespace cc::common
