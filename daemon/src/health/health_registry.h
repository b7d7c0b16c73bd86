#pragma once
// Named health checks rolled up into /health, /health/live and /health/ready answers.

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"

namespace cc::health {

enum class HealthStatus { kPass = 0, kWarn = 1, kFail = 2 };
const char* statusName(HealthStatus status);

struct CheckResult {
  HealthStatus status = HealthStatus::kPass;
  std::string output;
};

struct HealthReport {
  HealthStatus status = HealthStatus::kPass;
  std::vector<std::pair<std::string, CheckResult>> checks;
};

/// Holds the daemon's checks. A check marked `gates_readiness` that fails makes the daemon not
/// ready; any failing check makes /health fail, a warning makes it warn. Checks are added
/// during start-up; evaluating is thread-safe and must be cheap (checks read state that
/// others keep up to date, they do no I/O).
class HealthRegistry {
 public:
  using Check = std::function<CheckResult()>;

  void add(std::string name, Check check, bool gates_readiness);
  void setStarted(bool started) { started_ = started; }
  void setDraining(bool draining) { draining_ = draining; }
  bool draining() const { return draining_; }

  /// Every check, plus the lifecycle state.
  HealthReport health() const;
  /// Started, not draining, and no readiness-gating check failing.
  HealthReport readiness() const;

  /// application/health+json body: {"status","version","uptime_s","checks":{name:{status,output}}}.
  static std::string toJson(const HealthReport& report, double uptime_s);

 private:
  struct Entry {
    std::string name;
    Check check;
    bool gates_readiness;
  };
  CheckResult lifecycle() const;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  std::atomic<bool> started_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace cc::health
