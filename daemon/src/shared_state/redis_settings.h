#pragma once
// How the daemon reaches Redis and which state it keeps there, built once from redis.* and the
// backend switches (ratelimit.backend, ratelimit.redis_failure, bus.*).

#include <chrono>
#include <string>

#include "config/config.h"
#include "config/problem.h"
#include "shared_state/redis_url.h"

namespace cc::shared_state {

/// Where the rate limit buckets live (ratelimit.backend).
enum class RateLimitBackend {
  kLocal,  ///< in-process buckets, per daemon (the default; no server needed)
  kRedis,  ///< shared by every daemon on the same Redis
};

/// How the daemons tell each other of revocations, cache invalidations and events (bus.backend).
enum class BusBackend {
  kLocal,  ///< not at all: each daemon knows its own (the default)
  kRedis,  ///< Redis pub/sub on bus.channel
};

/// What a Redis rate limit decision does while Redis cannot be reached (ratelimit.redis_failure).
enum class RedisFailureMode {
  kLocal,   ///< decide with the in-process buckets meanwhile (the default)
  kOpen,    ///< admit
  kClosed,  ///< reject
};

/// The Redis connection and the backend switches. Immutable after build; a plain value.
struct RedisSettings {
  bool configured = false;  ///< redis.url is set
  RedisUrl url;             ///< valid when configured
  std::string password;     ///< the first line of redis.password_file; empty without one
  std::chrono::milliseconds timeout{50};  ///< redis.timeout_ms: connect, each read and write
  RateLimitBackend ratelimit_backend = RateLimitBackend::kLocal;
  RedisFailureMode ratelimit_failure = RedisFailureMode::kLocal;
  BusBackend bus_backend = BusBackend::kLocal;
  std::string bus_channel = "cc:bus";                 ///< bus.channel
  std::chrono::milliseconds bus_reconnect_max{2000};  ///< bus.reconnect_max_ms

  /// Reads redis.url, redis.password_file (0600, as db.password_file), redis.timeout_ms and the
  /// switches; appends each problem, naming its key, to `problems`. A backend set to redis without
  /// redis.url is a problem of ratelimit.backend (or bus.backend).
  static RedisSettings fromConfig(const config::Config& config, config::Problems& problems);
};

}  // namespace cc::shared_state
