#include "middleware/rate_limiter.h"

#include <Poco/JSON/Array.h>

#include <cmath>

namespace cc::middleware {
namespace {

constexpr std::size_t kTopKeys = 10;

int64_t wholeSecondsUp(double s) { return static_cast<int64_t>(std::ceil(s - 1e-9)); }

Poco::JSON::Array::Ptr toArray(const std::vector<std::string>& items) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& i : items) out->add(i);
  return out;
}

std::string quoted(const std::string& name) { return "\"" + name + "\""; }

}  // namespace

std::string_view rateActionName(RateAction action) {
  switch (action) {
    case RateAction::kPass:
      return "pass";
    case RateAction::kReject:
      return "reject";
    case RateAction::kShadowReject:
      return "shadow_reject";
    case RateAction::kExempt:
      return "exempt";
    case RateAction::kUnlimited:
      return "unlimited";
    case RateAction::kFailOpen:
      return "fail_open";
    case RateAction::kFailClosed:
      return "fail_closed";
  }
  return "unlimited";
}

std::string RateDecision::policyHeader() const {
  return quoted(rule) + ";q=" + std::to_string(limit) + ";w=" + std::to_string(window_s);
}

std::string RateDecision::rateLimitHeader() const {
  return quoted(rule) + ";r=" + std::to_string(remaining) + ";t=" + std::to_string(reset_s);
}

RateLimiter::RateLimiter(std::shared_ptr<const RateLimitConfig> config, const common::Clock& clock,
                         const RateLimiter* previous, StoreFactory store_factory)
    : config_(std::move(config)), clock_(clock) {
  if (!store_factory) {
    store_factory = [](const RateLimitRule&, std::size_t max_keys) {
      return std::make_shared<ShardedLruBucketStore>(max_keys);
    };
  }
  for (const auto& rule : config_->rules) {
    RuleState state;
    if (previous != nullptr) {
      auto old = previous->states_.find(rule.name);
      const RateLimitRule* old_rule = nullptr;
      for (const auto& r : previous->config_->rules) {
        if (r.name == rule.name) old_rule = &r;
      }
      if (old != previous->states_.end()) {
        state.counters = old->second.counters;
        if (old_rule != nullptr && old_rule->key == rule.key &&
            previous->config_->max_keys == config_->max_keys) {
          state.store = old->second.store;
        }
      }
    }
    if (!state.counters) state.counters = std::make_shared<RuleCounters>();
    if (!state.store) state.store = store_factory(rule, config_->max_keys);
    has_shared_stores_ = has_shared_stores_ || state.store->kind() != "local";
    states_.emplace(rule.name, std::move(state));
  }
}

const RateLimiter::RuleState* RateLimiter::stateOf(const std::string& rule) const {
  auto it = states_.find(rule);
  return it == states_.end() ? nullptr : &it->second;
}

bool RateLimiter::decidesInMemory(std::string_view method, std::string_view path) const {
  if (!config_->enabled || config_->isExempt(path)) return true;
  const RateLimitRule* rule = config_->match(method, path);
  return rule == nullptr || stateOf(rule->name)->store->kind() == "local";
}

RateDecision RateLimiter::decide(const RequestInfo& request) const {
  RateDecision d;
  d.enforced = config_->enforce;
  if (!config_->enabled) return d;
  if (config_->isExempt(request.path)) {
    d.action = RateAction::kExempt;
    return d;
  }
  const RateLimitRule* rule = config_->match(request.method, request.path);
  if (rule == nullptr) return d;

  switch (rule->key) {
    case RateKey::kGlobal:
      d.key = "global";
      break;
    case RateKey::kToken:
      if (!request.token_key.empty()) {
        d.key = "token:" + request.token_key;
        break;
      }
      [[fallthrough]];
    case RateKey::kIp:
      d.key = request.client_ip;
      break;
  }

  const RuleState& state = *stateOf(rule->name);
  BucketTake take = state.store->take(d.key, rule->limit(), clock_.now());
  d.rule = rule->name;
  d.limit = rule->rate.count;
  d.window_s = rule->rate.period_s;
  if (take.undecided) {
    // No bucket said anything: no RateLimit numbers to show. Closed answers 503 (the limit
    // could not be checked), not 429 (the client did nothing wrong); shadow mode still admits.
    if (take.admitted || !config_->enforce) {
      d.action = RateAction::kFailOpen;
      state.counters->admitted.fetch_add(1, std::memory_order_relaxed);
    } else {
      d.action = RateAction::kFailClosed;
      d.retry_after_s = 1;
      state.counters->rejected.fetch_add(1, std::memory_order_relaxed);
    }
    return d;
  }
  d.remaining = static_cast<int64_t>(std::floor(take.tokens + 1e-9));
  d.reset_s = wholeSecondsUp(take.full_after_s);
  if (take.admitted) {
    d.action = RateAction::kPass;
    state.counters->admitted.fetch_add(1, std::memory_order_relaxed);
    return d;
  }
  d.retry_after_s = static_cast<int>(std::max<int64_t>(1, wholeSecondsUp(take.retry_after_s)));
  if (config_->enforce) {
    d.action = RateAction::kReject;
    state.counters->rejected.fetch_add(1, std::memory_order_relaxed);
  } else {
    d.action = RateAction::kShadowReject;
    state.counters->shadow_rejected.fetch_add(1, std::memory_order_relaxed);
  }
  return d;
}

common::Result<bool> RateLimiter::reset(const std::string& rule,
                                        const std::optional<std::string>& key) {
  const RuleState* state = stateOf(rule);
  if (state == nullptr) return common::Error::notFound("no rate limit rule '" + rule + "'");
  if (key) return state->store->erase(*key);
  auto cleared = state->store->clear();
  if (!cleared) return cleared.error();
  return *cleared > 0;
}

const RuleCounters* RateLimiter::counters(const std::string& rule) const {
  const RuleState* state = stateOf(rule);
  return state == nullptr ? nullptr : state->counters.get();
}

std::size_t RateLimiter::keys(const std::string& rule) const {
  const RuleState* state = stateOf(rule);
  return state == nullptr ? 0 : state->store->size();
}

Poco::JSON::Object::Ptr RateLimiter::toJson() const {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("enabled", config_->enabled);
  out->set("mode", config_->enforce ? "enforce" : "shadow");
  Poco::JSON::Array::Ptr rules = new Poco::JSON::Array;
  auto now = clock_.now();
  for (const auto& rule : config_->rules) {
    const RuleState& state = *stateOf(rule.name);
    Poco::JSON::Object::Ptr r = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    r->set("name", rule.name);
    r->set("paths", toArray(rule.paths));
    r->set("methods", toArray(rule.methods));
    r->set("rate", rule.rate.toString());
    r->set("burst", rule.burst);
    r->set("key", std::string(rateKeyName(rule.key)));
    r->set("store", std::string(state.store->kind()));
    r->set("admitted", state.counters->admitted.load());
    r->set("rejected", state.counters->rejected.load());
    r->set("shadow_rejected", state.counters->shadow_rejected.load());
    r->set("keys", state.store->size());
    r->set("evictions", state.store->evictions());
    Poco::JSON::Array::Ptr top = new Poco::JSON::Array;
    for (const auto& k : state.store->top(kTopKeys, rule.limit(), now)) {
      Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      o->set("key", k.key);
      o->set("tokens", std::floor(k.tokens * 100) / 100);
      o->set("requests", k.requests);
      top->add(o);
    }
    r->set("top_keys", top);
    rules->add(r);
  }
  out->set("rules", rules);
  return out;
}

}  // namespace cc::middleware
