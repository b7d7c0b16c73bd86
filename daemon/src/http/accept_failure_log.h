#pragma once
// Which failed accepts get a log line: the first, then one an interval with a count.

#include <chrono>
#include <cstdint>
#include <optional>

#include "common/clock.h"

namespace cc::http {

/// Rate-limits a listener's "accept failed" lines. A listener out of file descriptors fails
/// every accept it tries, hundreds of times a second; logging each would flood the log and cost
/// the descriptors the log itself may need. The first failure is logged, later ones at most once
/// an interval, each line saying how many were left out since the line before; a count still
/// pending when failures stop is flushed once the interval has passed. Not thread-safe: one
/// listener's acceptor thread owns it.
class AcceptFailureLog {
 public:
  static constexpr std::chrono::seconds kInterval{10};

  explicit AcceptFailureLog(std::chrono::steady_clock::duration interval = kInterval)
      : interval_(interval) {}

  /// A failure at `now`. When it is to be logged, how many failures were suppressed since the
  /// previous line (0 for the first); nullopt when it is to be suppressed (and counted).
  std::optional<int64_t> failed(common::SteadyTime now);
  /// Failures suppressed and not yet reported, once an interval has passed since the last line
  /// (the caller logs the count, which is then reported); 0 otherwise.
  int64_t flush(common::SteadyTime now);

 private:
  std::chrono::steady_clock::duration interval_;
  std::optional<common::SteadyTime> last_line_;
  int64_t suppressed_ = 0;
};

}  // namespace cc::http
