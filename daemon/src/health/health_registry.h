#pragma once
// Named health checks rolled up into /health, /health/live and /health/ready answers.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
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

/// A roll-up as it is answered: its status and its application/health+json body.
struct HealthAnswer {
  HealthStatus status = HealthStatus::kPass;
  std::string body;
};

/// Holds the daemon's checks. A check marked `gates_readiness` that fails makes the daemon not
/// ready; any failing check makes /health fail, a warning makes it warn. Checks are added
/// during start-up; evaluating is thread-safe, takes no lock while the checks run, and must be
/// cheap (checks read state that others keep up to date, they do no I/O). Every evaluation asks
/// every check again, so a failure shows in the very next answer; what is kept between answers
/// is only the JSON of a check whose result has not changed.
class HealthRegistry {
 public:
  using Check = std::function<CheckResult()>;

  HealthRegistry();
  ~HealthRegistry();
  HealthRegistry(const HealthRegistry&) = delete;
  HealthRegistry& operator=(const HealthRegistry&) = delete;

  void add(std::string name, Check check, bool gates_readiness);
  void setStarted(bool started) { started_ = started; }
  void setDraining(bool draining) { draining_ = draining; }
  bool draining() const { return draining_; }

  /// Every check, plus the lifecycle state.
  HealthReport health() const;
  /// Started, not draining, and no readiness-gating check failing.
  HealthReport readiness() const;

  /// health() as /health answers it: the same bytes as toJson(health(), uptime_s), built
  /// without the report in between.
  HealthAnswer healthAnswer(double uptime_s) const;
  /// readiness() as /health/ready answers it (toJson(readiness(), uptime_s)).
  HealthAnswer readinessAnswer(double uptime_s) const;

  /// application/health+json body: {"status","version","uptime_s","checks":{name:{status,output}}}.
  static std::string toJson(const HealthReport& report, double uptime_s);

 private:
  struct Entry;
  CheckResult lifecycle() const;
  template <typename Visit>
  HealthStatus evaluate(bool readiness, Visit&& visit) const;
  HealthAnswer answer(bool readiness, double uptime_s) const;

  uint64_t serial_ = 0;  // this registry's, never another's (from 1), for the kept JSON
  std::mutex adding_;    // serialises add(); readers follow the list without it
  std::vector<std::unique_ptr<Entry>> entries_;
  std::atomic<Entry*> first_{nullptr};
  std::atomic<bool> started_{false};
  std::atomic<bool> draining_{false};
};

}  // namespace cc::health
