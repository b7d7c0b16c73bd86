#include "health/health_registry.h"

#include <algorithm>
#include <atomic>
#include <charconv>

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

struct HealthRegistry::Entry {
  std::string name;
  Check check;
  bool gates_readiness;
  std::atomic<Entry*> next{nullptr};
};

namespace {

// The JSON of a check's result last answered on this thread, reused while the check answers the
// same: a check's output rarely changes, and escaping it again was most of the cost of an
// answer. Kept per thread (the event loops answer /health side by side) for one registry at a
// time, named by its serial: another registry made later where one was freed is not taken for it.
struct Rendered {
  const void* entry = nullptr;  // whose (a readiness answer leaves some checks out)
  CheckResult result;
  std::string json;
};
std::vector<Rendered>& renderedFor(uint64_t registry) {
  thread_local uint64_t owner = 0;
  thread_local std::vector<Rendered> rendered;
  if (owner != registry) {
    rendered.clear();
    owner = registry;
  }
  return rendered;
}

// `"name":{"status":…,"output":…}`
void appendCheck(std::string& out, const std::string& name, const CheckResult& result) {
  common::appendJsonString(out, name);
  out += ":{\"status\":\"";
  out += statusName(result.status);
  out += "\",\"output\":";
  common::appendJsonString(out, result.output);
  out += '}';
}

// Everything before the checks; `out` is empty.
void appendHead(std::string& out, HealthStatus status, double uptime_s) {
  char uptime[32];
  auto end = std::to_chars(uptime, uptime + sizeof uptime, uptime_s, std::chars_format::fixed, 3);
  out += "{\"status\":\"";
  out += statusName(status);
  out += "\",\"version\":\"" CC_VERSION "\",\"uptime_s\":";
  out.append(uptime, end.ptr);
  out += ",\"checks\":{";
}

// /health takes the worst status; readiness fails only on a failure (a warning still takes
// traffic).
HealthStatus rollUp(HealthStatus so_far, HealthStatus next, bool readiness) {
  if (readiness) return next == HealthStatus::kFail ? HealthStatus::kFail : so_far;
  return std::max(so_far, next);
}

}  // namespace

HealthRegistry::HealthRegistry() {
  static std::atomic<uint64_t> made{0};
  serial_ = ++made;
}
HealthRegistry::~HealthRegistry() = default;

void HealthRegistry::add(std::string name, Check check, bool gates_readiness) {
  auto entry = std::make_unique<Entry>();
  entry->name = std::move(name);
  entry->check = std::move(check);
  entry->gates_readiness = gates_readiness;
  std::lock_guard<std::mutex> lock(adding_);
  Entry* added = entry.get();
  if (entries_.empty()) {
    entries_.push_back(std::move(entry));
    first_.store(added, std::memory_order_release);
  } else {
    Entry* last = entries_.back().get();
    entries_.push_back(std::move(entry));
    last->next.store(added, std::memory_order_release);
  }
}

CheckResult HealthRegistry::lifecycle() const {
  if (draining_) return {HealthStatus::kFail, "draining: shutting down or restarting"};
  if (!started_) return {HealthStatus::kFail, "starting"};
  return {HealthStatus::kPass, "serving"};
}

template <typename Visit>
HealthStatus HealthRegistry::evaluate(bool readiness, Visit&& visit) const {
  CheckResult life = lifecycle();
  // Draining is a readiness matter; the process itself is still healthy while it drains.
  if (!readiness && life.status == HealthStatus::kFail && draining_) {
    life.status = HealthStatus::kWarn;
  }
  HealthStatus status = rollUp(HealthStatus::kPass, life.status, readiness);
  visit(nullptr, std::string("lifecycle"), std::move(life));
  for (Entry* e = first_.load(std::memory_order_acquire); e != nullptr;
       e = e->next.load(std::memory_order_acquire)) {
    if (readiness && !e->gates_readiness) continue;
    CheckResult result = e->check();
    status = rollUp(status, result.status, readiness);
    visit(e, e->name, std::move(result));
  }
  return status;
}

HealthReport HealthRegistry::health() const {
  HealthReport report;
  report.status = evaluate(false, [&](Entry*, const std::string& name, CheckResult&& result) {
    report.checks.emplace_back(name, std::move(result));
  });
  return report;
}

HealthReport HealthRegistry::readiness() const {
  HealthReport report;
  report.status = evaluate(true, [&](Entry*, const std::string& name, CheckResult&& result) {
    report.checks.emplace_back(name, std::move(result));
  });
  return report;
}

HealthAnswer HealthRegistry::answer(bool readiness, double uptime_s) const {
  // The checks go first into a buffer of the thread's, as the status before them is known only
  // once they have all answered.
  thread_local std::string checks;
  checks.clear();
  std::vector<Rendered>& rendered = renderedFor(serial_);
  std::size_t index = 0;  // of the check in this answer; the lifecycle's is not kept
  bool first = true;
  HealthStatus status =
      evaluate(readiness, [&](Entry* e, const std::string& name, CheckResult&& result) {
        if (!first) checks += ',';
        first = false;
        Rendered* kept = nullptr;
        if (e != nullptr) {
          if (rendered.size() <= index) rendered.resize(index + 1);
          kept = &rendered[index++];
          if (kept->entry == e && kept->result.status == result.status &&
              kept->result.output == result.output) {
            checks += kept->json;
            return;
          }
        }
        const std::size_t at = checks.size();
        appendCheck(checks, name, result);
        if (kept != nullptr) {
          kept->entry = e;
          kept->json.assign(checks, at, std::string::npos);
          kept->result = std::move(result);
        }
      });
  HealthAnswer out;
  out.status = status;
  out.body.reserve(96 + checks.size());
  appendHead(out.body, status, uptime_s);
  out.body += checks;
  out.body += "}}";
  return out;
}

HealthAnswer HealthRegistry::healthAnswer(double uptime_s) const { return answer(false, uptime_s); }

HealthAnswer HealthRegistry::readinessAnswer(double uptime_s) const {
  return answer(true, uptime_s);
}

std::string HealthRegistry::toJson(const HealthReport& report, double uptime_s) {
  std::string out;
  appendHead(out, report.status, uptime_s);
  bool first = true;
  for (const auto& [name, result] : report.checks) {
    if (!first) out += ',';
    first = false;
    appendCheck(out, name, result);
  }
  out += "}}";
  return out;
}

}  // namespace cc::health
