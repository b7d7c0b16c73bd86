#pragma once
// A request's deadline and cancellation flag, shared by the request and the work done for it.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include "common/clock.h"

namespace cc::common {

/// A point in steady time by which an answer is due, plus a cancellation flag. Copies share the
/// flag, so the request thread can hand a copy to a worker and either side can cancel: the
/// worker polls `done()` to drop work nobody is waiting for any more. The clock must outlive
/// every copy. Thread-safe: copies may be used from different threads at once.
class Deadline {
 public:
  Deadline(const Clock& clock, SteadyTime at)
      : clock_(&clock), at_(at), cancelled_(std::make_shared<std::atomic<bool>>(false)) {}

  /// A deadline `budget` from now on `clock`.
  static Deadline after(const Clock& clock, Millis budget) {
    return Deadline(clock, clock.now() + budget);
  }
  /// A deadline so far away that it never expires (cancellation still works).
  static Deadline never(const Clock& clock) { return Deadline(clock, SteadyTime::max()); }

  SteadyTime at() const { return at_; }
  /// Time left, never negative.
  Millis remaining() const {
    SteadyTime now = clock_->now();
    if (now >= at_) return Millis(0);
    if (at_ == SteadyTime::max()) return Millis::max();
    return std::chrono::duration_cast<Millis>(at_ - now);
  }
  bool expired() const { return clock_->now() >= at_; }

  /// Marks the work abandoned; every copy sees it.
  void cancel() const { cancelled_->store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_->load(std::memory_order_acquire); }
  /// Expired or cancelled: nobody will use a result produced from now on.
  bool done() const { return cancelled() || expired(); }

  const Clock& clock() const { return *clock_; }

 private:
  const Clock* clock_;
  SteadyTime at_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
};

}  // namespace cc::common
