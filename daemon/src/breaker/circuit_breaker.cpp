#include "breaker/circuit_breaker.h"

#include <algorithm>
#include <cmath>

namespace cc::breaker {
namespace {

int wholeSecondsUp(std::chrono::nanoseconds d) {
  auto s = static_cast<int>(std::ceil(std::chrono::duration<double>(d).count()));
  return std::max(1, s);
}

}  // namespace

std::string_view stateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "closed";
}

BreakerConfig BreakerConfig::fromConfig(const config::Config& config, const std::string& name) {
  const std::string prefix = "breaker." + name + ".";
  BreakerConfig out;
  out.failure_threshold = config.getInt(prefix + "failure_threshold");
  out.window_s = config.getInt(prefix + "window_s");
  out.min_requests = config.getInt(prefix + "min_requests");
  out.open_ms = config.getInt(prefix + "open_ms");
  out.failure_ratio = config.getDouble(prefix + "failure_ratio");
  return out;
}

CircuitBreaker::CircuitBreaker(std::string name, BreakerConfig config, const common::Clock& clock)
    : name_(std::move(name)), clock_(clock), config_(config) {
  counters_.since_ms = clock_.wallMillis();
  window_.resize(static_cast<std::size_t>(config_.window_s));
}

int64_t CircuitBreaker::nowSecond() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
}

CircuitBreaker::Slot& CircuitBreaker::slotFor(int64_t second) {
  Slot& slot = window_[static_cast<std::size_t>(second) % window_.size()];
  if (slot.second != second) slot = Slot{second, 0, 0};
  return slot;
}

bool CircuitBreaker::ratioExceeded(int64_t second) const {
  uint64_t successes = 0;
  uint64_t failures = 0;
  for (const auto& slot : window_) {
    if (slot.second > second - config_.window_s && slot.second <= second) {
      successes += slot.successes;
      failures += slot.failures;
    }
  }
  uint64_t total = successes + failures;
  if (total < static_cast<uint64_t>(config_.min_requests)) return false;
  return static_cast<double>(failures) >= config_.failure_ratio * static_cast<double>(total);
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::moveTo(BreakerState to) {
  BreakerState from = counters_.state;
  if (from == to) return std::nullopt;
  counters_.state = to;
  counters_.since_ms = clock_.wallMillis();
  ++epoch_;
  consecutive_failures_ = 0;
  probe_out_ = false;
  switch (to) {
    case BreakerState::kOpen:
      ++counters_.opened_total;
      open_until_ = clock_.now() + std::chrono::milliseconds(config_.open_ms);
      break;
    case BreakerState::kHalfOpen:
      ++counters_.half_opened_total;
      break;
    case BreakerState::kClosed:
      ++counters_.closed_total;
      // A fresh start: the failures that opened the breaker must not re-open it at once.
      for (auto& slot : window_) slot = Slot{};
      break;
  }
  return Transition{from, to};
}

Permit CircuitBreaker::allow() {
  std::optional<Transition> transition;
  Permit permit;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = clock_.now();
    if (counters_.state == BreakerState::kOpen && now >= open_until_) {
      transition = moveTo(BreakerState::kHalfOpen);
    }
    permit.epoch = epoch_;
    switch (counters_.state) {
      case BreakerState::kClosed:
        permit.allowed = true;
        break;
      case BreakerState::kOpen:
        permit.retry_after_s = wholeSecondsUp(open_until_ - now);
        break;
      case BreakerState::kHalfOpen: {
        auto probe_timeout = std::chrono::milliseconds(config_.open_ms);
        if (!probe_out_ || now - probe_started_ >= probe_timeout) {
          probe_out_ = true;
          probe_started_ = now;
          permit.allowed = true;
          permit.probe = true;
        } else {
          permit.retry_after_s = wholeSecondsUp(probe_started_ + probe_timeout - now);
        }
        break;
      }
    }
    if (!permit.allowed) ++counters_.rejections;
  }
  announce(transition);
  return permit;
}

void CircuitBreaker::onSuccess(const Permit& permit) { record(permit, true); }
void CircuitBreaker::onFailure(const Permit& permit) { record(permit, false); }

void CircuitBreaker::record(const Permit& permit, bool success) {
  if (!permit.allowed) return;
  std::optional<Transition> transition;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (success) {
      ++counters_.successes;
    } else {
      ++counters_.failures;
    }
    if (permit.epoch == epoch_) {
      if (counters_.state == BreakerState::kHalfOpen && permit.probe) {
        transition = moveTo(success ? BreakerState::kClosed : BreakerState::kOpen);
      } else if (counters_.state == BreakerState::kClosed) {
        int64_t second = nowSecond();
        Slot& slot = slotFor(second);
        if (success) {
          ++slot.successes;
          consecutive_failures_ = 0;
        } else {
          ++slot.failures;
          ++consecutive_failures_;
          if (consecutive_failures_ >= config_.failure_threshold || ratioExceeded(second)) {
            transition = moveTo(BreakerState::kOpen);
          }
        }
      }
    }
  }
  announce(transition);
}

void CircuitBreaker::announce(const std::optional<Transition>& transition) {
  if (transition && callback_) callback_(name_, transition->from, transition->to);
}

void CircuitBreaker::reconfigure(const BreakerConfig& config) {
  std::lock_guard<std::mutex> lock(mu_);
  if (config.window_s != config_.window_s) {
    window_.assign(static_cast<std::size_t>(config.window_s), Slot{});
  }
  config_ = config;
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_.state;
}

BreakerCounters CircuitBreaker::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counters_;
}

BreakerConfig CircuitBreaker::config() const {
  std::lock_guard<std::mutex> lock(mu_);
  return config_;
}

Poco::JSON::Object::Ptr CircuitBreaker::toJson() const {
  BreakerCounters c;
  BreakerConfig cfg;
  common::SteadyTime open_until;
  {
    std::lock_guard<std::mutex> lock(mu_);
    c = counters_;
    cfg = config_;
    open_until = open_until_;
  }
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("name", name_);
  out->set("state", std::string(stateName(c.state)));
  out->set("since", common::formatIsoTime(c.since_ms));
  if (c.state == BreakerState::kOpen) {
    auto left = open_until - clock_.now();
    out->set("retry_after_s", left.count() > 0 ? wholeSecondsUp(left) : 0);
  }
  out->set("successes", c.successes);
  out->set("failures", c.failures);
  out->set("rejections", c.rejections);
  out->set("opened_total", c.opened_total);
  out->set("half_opened_total", c.half_opened_total);
  out->set("closed_total", c.closed_total);
  Poco::JSON::Object::Ptr settings = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  settings->set("failure_threshold", cfg.failure_threshold);
  settings->set("window_s", cfg.window_s);
  settings->set("min_requests", cfg.min_requests);
  settings->set("failure_ratio", cfg.failure_ratio);
  settings->set("open_ms", cfg.open_ms);
  out->set("config", settings);
  return out;
}

}  // namespace cc::breaker
