#pragma once
// A circuit breaker for a dependency (the database): fail fast while it is down, probe to
// find out when it is back.

#include <Poco/JSON/Object.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace cc::breaker {

enum class BreakerState { kClosed, kOpen, kHalfOpen };
std::string_view stateName(BreakerState state);

/// The `breaker.<name>.*` settings. Plain value.
struct BreakerConfig {
  int64_t failure_threshold = 5;  ///< consecutive failures that open
  int64_t window_s = 10;          ///< sliding window of the failure ratio
  int64_t min_requests = 20;      ///< calls in the window before the ratio counts
  double failure_ratio = 0.5;     ///< opens at or above this ratio
  int64_t open_ms = 5000;         ///< time open before one probe is let through

  /// Reads `breaker.<name>.failure_threshold`, `.window_s`, `.min_requests`, `.failure_ratio`
  /// and `.open_ms` from a configuration the key table accepted (which checked their ranges);
  /// the table must hold those keys for `name`.
  static BreakerConfig fromConfig(const config::Config& config, const std::string& name);
};

/// Permission to make one call. Report its outcome with `onSuccess`/`onFailure`; outcomes of
/// calls admitted before the breaker last changed state are counted but change nothing.
struct Permit {
  bool allowed = false;
  bool probe = false;     ///< the single half-open trial call
  int retry_after_s = 0;  ///< when refused: whole seconds >= 1 until a probe may go through
  uint64_t epoch = 0;
};

/// Cumulative counts and the current state.
struct BreakerCounters {
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t rejections = 0;
  uint64_t opened_total = 0;
  uint64_t half_opened_total = 0;
  uint64_t closed_total = 0;
  BreakerState state = BreakerState::kClosed;
  int64_t since_ms = 0;  ///< wall-clock time of the last transition (or of creation)
};

/// Closed: calls go through; `failure_threshold` consecutive failures, or a failure ratio at or
/// above `failure_ratio` over the last `window_s` seconds once the window holds `min_requests`
/// calls, open it. Open: `allow()` refuses at once, with the open time left as retry-after.
/// After `open_ms` it is half-open: exactly one probe goes through and every other call is
/// refused; the probe's success closes the breaker, its failure opens it again. A probe that
/// never reports is given up after another `open_ms`, and a new probe is allowed.
///
/// Thread-safe: one short mutex section per call and per report, no allocation. The transition
/// callback runs after the lock is released, on the thread that caused the transition.
class CircuitBreaker {
 public:
  using TransitionCallback =
      std::function<void(const std::string& name, BreakerState from, BreakerState to)>;

  CircuitBreaker(std::string name, BreakerConfig config, const common::Clock& clock);

  Permit allow();
  void onSuccess(const Permit& permit);
  void onFailure(const Permit& permit);

  /// Set before the breaker is shared between threads.
  void setTransitionCallback(TransitionCallback callback) { callback_ = std::move(callback); }
  /// Applies reloaded settings; the state and counters are kept.
  void reconfigure(const BreakerConfig& config);

  const std::string& name() const { return name_; }
  BreakerState state() const;
  BreakerCounters counters() const;
  BreakerConfig config() const;
  /// One entry of GET /admin/breakers: name, state, since, settings and counters.
  Poco::JSON::Object::Ptr toJson() const;

 private:
  struct Slot {
    int64_t second = -1;
    uint64_t successes = 0;
    uint64_t failures = 0;
  };
  struct Transition {
    BreakerState from;
    BreakerState to;
  };
  void record(const Permit& permit, bool success);
  // Runs with mu_ held; returns the transition to announce after unlocking.
  std::optional<Transition> moveTo(BreakerState to);
  Slot& slotFor(int64_t second);
  bool ratioExceeded(int64_t second) const;
  int64_t nowSecond() const;
  void announce(const std::optional<Transition>& transition);

  const std::string name_;
  const common::Clock& clock_;
  TransitionCallback callback_;

  mutable std::mutex mu_;
  BreakerConfig config_;
  BreakerCounters counters_;
  uint64_t epoch_ = 0;
  int64_t consecutive_failures_ = 0;
  common::SteadyTime open_until_{};
  common::SteadyTime probe_started_{};
  bool probe_out_ = false;
  std::vector<Slot> window_;
};

}  // namespace cc::breaker
