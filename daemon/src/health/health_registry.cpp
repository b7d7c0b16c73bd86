#include "health/health_registry.h"

#include <algorithm>
#include <cstdio>

#include "common/json_text.h"

namespace cc::health {

const char* statusName(HealthStatus status) {
  switch (status) {
    case HealthStatus::kPass:
      return "pass";
    case HealthStatus::kWarn:
      return "warn";
    case HealthStatus::kFail:
      return "fail";
  }
  return "fail";
}

void HealthRegistry::add(std::string name, Check check, bool gates_readiness) {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.push_back({std::move(name), std::move(check), gates_readiness});
}

CheckResult HealthRegistry::lifecycle() const {
  if (draining_) return {HealthStatus::kFail, "draining: shutting down or restarting"};
  if (!started_) return {HealthStatus::kFail, "starting"};
  return {HealthStatus::kPass, "serving"};
}

HealthReport HealthRegistry::health() const {
  HealthReport report;
  CheckResult life = lifecycle();
  // Draining is a readiness matter; the process itself is still healthy while it drains.
  if (draining_) life.status = HealthStatus::kWarn;
  report.checks.emplace_back("lifecycle", life);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_) report.checks.emplace_back(e.name, e.check());
  for (const auto& [name, result] : report.checks) {
    report.status = std::max(report.status, result.status);
  }
  return report;
}

HealthReport HealthRegistry::readiness() const {
  HealthReport report;
  report.checks.emplace_back("lifecycle", lifecycle());
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& e : entries_) {
    if (e.gates_readiness) report.checks.emplace_back(e.name, e.check());
  }
  for (const auto& [name, result] : report.checks) {
    // Only a failure makes the daemon not ready; a warning still takes traffic.
    if (result.status == HealthStatus::kFail) report.status = HealthStatus::kFail;
  }
  return report;
}

std::string HealthRegistry::toJson(const HealthReport& report, double uptime_s) {
  char uptime[32];
  std::snprintf(uptime, sizeof uptime, "%.3f", uptime_s);
  std::string out = std::string("{\"status\":\"") + statusName(report.status) +
                    "\",\"version\":\"" CC_VERSION "\",\"uptime_s\":" + uptime + ",\"checks\":{";
  bool first = true;
  for (const auto& [name, result] : report.checks) {
    if (!first) out += ',';
    first = false;
    out += common::jsonString(name) + ":{\"status\":\"" + statusName(result.status) +
           "\",\"output\":" + common::jsonString(result.output) + "}";
  }
  out += "}}";
  return out;
}

}  // namespace cc::health
