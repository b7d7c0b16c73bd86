#pragma once
// ratelimit.backend = redis: the rate limit buckets of every daemon in one Redis, and what a
// decision does while that Redis cannot be reached.

#include <Poco/JSON/Object.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "metrics/registry.h"
#include "middleware/rate_limiter.h"
#include "shared_state/redis_pool.h"
#include "shared_state/redis_settings.h"

namespace cc::shared_state {

/// Cumulative counts of the Redis rate limit backend, over all its rules.
struct RedisRateLimitCounts {
  uint64_t decisions = 0;          ///< decided by Redis (one script run each)
  uint64_t cached_rejections = 0;  ///< rejected from the local over-limit cache, no round trip
  uint64_t fallbacks = 0;          ///< decided by ratelimit.redis_failure: Redis unreachable
  bool degraded = false;           ///< the latest attempt failed; the next success clears it
  int64_t degraded_since_ms = 0;   ///< wall time the current degradation began; 0 when none
  std::string last_error;
};

/// Owns what the rules' RedisBucketStores share: the pool, the failure mode, the key prefix,
/// counters and metrics. Logs once when Redis becomes unreachable and once when it is back.
/// Built once at start-up (ratelimit.backend and redis.* are not reloadable); the stores hold it
/// by shared_ptr. Thread-safe.
///
/// Metrics: controlcenter_ratelimit_redis_decisions_total, ..._cached_rejections_total,
/// ..._fallbacks_total{mode}, ..._degraded and the round-trip histogram
/// controlcenter_ratelimit_redis_duration_seconds.
class RedisRateLimitBackend : public std::enable_shared_from_this<RedisRateLimitBackend> {
 public:
  /// `key_prefix` starts every Redis key (tests give each run its own).
  RedisRateLimitBackend(std::shared_ptr<RedisPool> pool, RedisFailureMode mode,
                        const common::Clock& clock, metrics::Registry& registry,
                        std::string key_prefix = "cc:ratelimit:");

  /// Makes each rule's RedisBucketStore (for RateLimiter).
  middleware::RateLimiter::StoreFactory storeFactory();

  RedisPool& pool() const { return *pool_; }
  RedisFailureMode mode() const { return mode_; }
  const std::string& keyPrefix() const { return key_prefix_; }

  RedisRateLimitCounts counts() const;
  /// The /admin/status view: the failure mode, state and counts.
  Poco::JSON::Object::Ptr toJson() const;

  // For the stores.
  void recordDecision(double round_trip_s);
  void recordCachedRejection() { cached_rejections_.fetch_add(1, std::memory_order_relaxed); }
  void recordFailure(const std::string& error);

 private:
  std::shared_ptr<RedisPool> pool_;
  const RedisFailureMode mode_;
  const common::Clock& clock_;
  const std::string key_prefix_;
  metrics::Histogram& round_trip_;
  metrics::Counter& fallback_metric_;
  std::atomic<uint64_t> decisions_{0};
  std::atomic<uint64_t> cached_rejections_{0};
  std::atomic<uint64_t> fallbacks_{0};
  std::atomic<bool> degraded_{false};
  mutable std::mutex mu_;  // last_error_, degraded_since_ms_
  std::string last_error_;
  int64_t degraded_since_ms_ = 0;
};

std::string_view redisFailureModeName(RedisFailureMode mode);

}  // namespace cc::shared_state
