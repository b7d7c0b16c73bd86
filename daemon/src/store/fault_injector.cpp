#include "store/fault_injector.h"

#include <algorithm>
#include <thread>

#include "store/deadline.h"

namespace cc::store {

using common::Error;
using common::ErrorCode;

FaultInjector::FaultInjector(const common::Clock& clock, uint64_t seed)
    : clock_(clock), rng_(seed) {}

void FaultInjector::set(Settings settings) {
  settings.delay_ms = std::max<int64_t>(0, settings.delay_ms);
  settings.error_rate = std::clamp(settings.error_rate, 0.0, 1.0);
  std::lock_guard<std::mutex> lock(mu_);
  settings_ = settings;
}

FaultInjector::Settings FaultInjector::settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_;
}

void FaultInjector::configure(const config::Config& config) {
  set({config.getInt("fault.db.delay_ms"), config.getDouble("fault.db.error_rate")});
}

common::Status FaultInjector::apply(common::SteadyTime deadline) {
  Settings s;
  bool fail = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = settings_;
    // Draw under the lock: the generator is not thread-safe and the draw is cheap.
    if (s.error_rate > 0)
      fail = std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < s.error_rate;
  }
  if (s.delay_ms > 0) {
    auto budget = remainingBudget(clock_, deadline);
    auto delay = std::chrono::milliseconds(s.delay_ms);
    if (budget < delay) {
      std::this_thread::sleep_for(budget);
      return Error{ErrorCode::kTimeout, "deadline exceeded during injected database delay", {}, 0};
    }
    std::this_thread::sleep_for(delay);
  }
  if (fail) {
    injected_errors_.fetch_add(1);
    return Error::dependencyUnavailable("injected database fault");
  }
  return common::Ok{};
}

Poco::JSON::Object::Ptr FaultInjector::toJson() const {
  Settings s = settings();
  Poco::JSON::Object::Ptr db = new Poco::JSON::Object(true);
  db->set("delay_ms", s.delay_ms);
  db->set("error_rate", s.error_rate);
  db->set("injected_errors_total", injected_errors_.load());
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("db", db);
  return out;
}

}  // namespace cc::store
