#include "shared_state/redis_rate_limit_backend.h"

#include <spdlog/spdlog.h>

#include "shared_state/redis_bucket_store.h"

namespace cc::shared_state {
namespace {

// A Redis round trip on loopback takes tens of microseconds; the timeout ends the scale.
std::vector<double> redisRoundTripBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25};
}

}  // namespace

std::string_view redisFailureModeName(RedisFailureMode mode) {
  switch (mode) {
    case RedisFailureMode::kLocal:
      return "local";
    case RedisFailureMode::kOpen:
      return "open";
    case RedisFailureMode::kClosed:
      return "closed";
  }
  return "local";
}

RedisRateLimitBackend::RedisRateLimitBackend(std::shared_ptr<RedisPool> pool, RedisFailureMode mode,
                                             const common::Clock& clock,
                                             metrics::Registry& registry, std::string key_prefix)
    : pool_(std::move(pool)),
      mode_(mode),
      clock_(clock),
      key_prefix_(std::move(key_prefix)),
      round_trip_(registry.histogram("controlcenter_ratelimit_redis_duration_seconds",
                                     "Round trips of rate limit decisions made by Redis.",
                                     redisRoundTripBuckets())),
      fallback_metric_(registry
                           .counterFamily("controlcenter_ratelimit_redis_fallbacks_total",
                                          "Rate limit decisions Redis could not make, decided "
                                          "by ratelimit.redis_failure instead.",
                                          {"mode"})
                           .labels({std::string(redisFailureModeName(mode))})) {
  registry.counterCallback("controlcenter_ratelimit_redis_decisions_total",
                           "Rate limit decisions made by Redis (one script run each).",
                           [this] { return double(decisions_.load()); });
  registry.counterCallback(
      "controlcenter_ratelimit_redis_cached_rejections_total",
      "Rate limit rejections answered from the local cache of keys Redis rejected, until their "
      "retry time: no round trip.",
      [this] { return double(cached_rejections_.load()); });
  registry.gaugeCallback("controlcenter_ratelimit_redis_degraded",
                         "1 while Redis cannot be reached and ratelimit.redis_failure decides.",
                         [this] { return degraded_.load() ? 1.0 : 0.0; });
}

middleware::RateLimiter::StoreFactory RedisRateLimitBackend::storeFactory() {
  std::shared_ptr<RedisRateLimitBackend> self = shared_from_this();
  return [self](const middleware::RateLimitRule& rule, std::size_t max_keys) {
    return std::make_shared<RedisBucketStore>(self, rule.name, max_keys);
  };
}

void RedisRateLimitBackend::recordDecision(double round_trip_s) {
  decisions_.fetch_add(1, std::memory_order_relaxed);
  round_trip_.observe(round_trip_s);
  if (degraded_.exchange(false)) {
    spdlog::info("rate limits: Redis {} answers again; limits are shared again",
                 pool_->settings().url.display());
  }
}

void RedisRateLimitBackend::recordFailure(const std::string& error) {
  fallbacks_.fetch_add(1, std::memory_order_relaxed);
  fallback_metric_.inc();
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = error;
  }
  if (!degraded_.exchange(true)) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      degraded_since_ms_ = clock_.wallMillis();
    }
    const char* meanwhile = mode_ == RedisFailureMode::kLocal  ? "this daemon's own buckets decide"
                            : mode_ == RedisFailureMode::kOpen ? "every request is admitted"
                                                               : "limited requests get 503";
    spdlog::warn("rate limits: {}; until Redis answers again, {} (ratelimit.redis_failure = {})",
                 error, meanwhile, redisFailureModeName(mode_));
  }
}

RedisRateLimitCounts RedisRateLimitBackend::counts() const {
  RedisRateLimitCounts c;
  c.decisions = decisions_.load();
  c.cached_rejections = cached_rejections_.load();
  c.fallbacks = fallbacks_.load();
  c.degraded = degraded_.load();
  std::lock_guard<std::mutex> lock(mu_);
  c.degraded_since_ms = c.degraded ? degraded_since_ms_ : 0;
  c.last_error = last_error_;
  return c;
}

Poco::JSON::Object::Ptr RedisRateLimitBackend::toJson() const {
  RedisRateLimitCounts c = counts();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("failure_mode", std::string(redisFailureModeName(mode_)));
  o->set("state", c.degraded ? "degraded" : "shared");
  if (c.degraded) {
    o->set("degraded_since", common::formatIsoTime(c.degraded_since_ms));
  } else {
    o->set("degraded_since", Poco::Dynamic::Var());
  }
  o->set("decisions", c.decisions);
  o->set("cached_rejections", c.cached_rejections);
  o->set("fallbacks", c.fallbacks);
  if (c.last_error.empty()) {
    o->set("last_error", Poco::Dynamic::Var());
  } else {
    o->set("last_error", c.last_error);
  }
  return o;
}

}  // namespace cc::shared_state
