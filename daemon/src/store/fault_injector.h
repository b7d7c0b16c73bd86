#pragma once
// Injected latency and failures in front of every database operation, to rehearse a slow or
// failing dependency.

#include <Poco/JSON/Object.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"

namespace cc::store {

/// Adds a fixed delay and a random failure rate to database operations. Settings come from
/// `fault.db.*` (reloadable) and can be set or cleared at run time. The delay never outlasts the
/// caller's deadline: a caller whose budget ends during the delay gets kTimeout when it ends.
/// Thread-safe: apply() runs concurrently from every request thread.
class FaultInjector {
 public:
  struct Settings {
    int64_t delay_ms = 0;
    double error_rate = 0;  // 0..1
  };

  explicit FaultInjector(const common::Clock& clock, uint64_t seed = std::random_device{}());

  /// Replaces the settings; a negative delay becomes 0 and the rate is clamped to 0..1.
  void set(Settings settings);
  void clear() { set({}); }
  Settings settings() const;
  /// Takes `fault.db.delay_ms` and `fault.db.error_rate` from a config snapshot (on reload).
  void configure(const config::Config& config);

  /// Sleeps the delay (at most until `deadline`, then kTimeout), then fails with
  /// kDependencyUnavailable at the configured rate. Ok when nothing was injected.
  common::Status apply(common::SteadyTime deadline);

  uint64_t injectedErrors() const { return injected_errors_.load(); }
  /// {"db":{"delay_ms":…,"error_rate":…,"injected_errors_total":…}}
  Poco::JSON::Object::Ptr toJson() const;

 private:
  const common::Clock& clock_;
  mutable std::mutex mu_;
  Settings settings_;
  std::mt19937_64 rng_;
  std::atomic<uint64_t> injected_errors_{0};
};

}  // namespace cc::store
