#pragma once
// Gives the allocator's free memory back to the system after a burst of large requests.

#include <cstdint>
#include <functional>

#include "common/allocator.h"

namespace cc::app {

/// A burst of large bodies or answers leaves the allocator holding what it grew, long after the
/// requests are gone. The daemon's lifecycle loop calls tick() about once a second with the
/// bytes that have passed through the listeners' memory budgets so far; once at least
/// `after_bytes` more have passed since the last release, it releases free memory (a walk of
/// the allocator's arenas, on the lifecycle thread, never on a request). A steady flood of large
/// requests so costs one release a second at most. Not thread-safe: one caller.
class MemoryTrimmer {
 public:
  using Release = std::function<bool()>;

  /// `after_bytes` 0: never release.
  explicit MemoryTrimmer(int64_t after_bytes, Release release = common::releaseFreeMemory)
      : after_bytes_(after_bytes), release_(std::move(release)) {}

  /// True when it released memory this time.
  bool tick(int64_t passed_bytes);
  /// Releases done since start.
  int64_t releases() const { return releases_; }

 private:
  int64_t after_bytes_;
  Release release_;
  int64_t passed_at_last_ = 0;
  int64_t releases_ = 0;
};

}  // namespace cc::app
