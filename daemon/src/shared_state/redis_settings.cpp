#include "shared_state/redis_settings.h"

#include "config/password_file.h"

namespace cc::shared_state {

RedisSettings RedisSettings::fromConfig(const config::Config& config, config::Problems& problems) {
  RedisSettings s;
  s.timeout = std::chrono::milliseconds(config.getInt("redis.timeout_ms"));
  const std::string url = config.getString("redis.url");
  if (!url.empty()) {
    if (auto parsed = parseRedisUrl(url); !parsed) {
      problems.push_back(config::keyProblem("redis.url", parsed.error().message));
    } else {
      s.url = *parsed;
      s.configured = true;
    }
  }
  if (auto password = config::passwordFromFile(config, "redis.password_file", problems)) {
    s.password = *password;
  }
  const std::string backend = config.getString("ratelimit.backend");
  s.ratelimit_backend = backend == "redis" ? RateLimitBackend::kRedis : RateLimitBackend::kLocal;
  const std::string failure = config.getString("ratelimit.redis_failure");
  s.ratelimit_failure = failure == "open"     ? RedisFailureMode::kOpen
                        : failure == "closed" ? RedisFailureMode::kClosed
                                              : RedisFailureMode::kLocal;
  s.bus_backend =
      config.getString("bus.backend") == "redis" ? BusBackend::kRedis : BusBackend::kLocal;
  s.bus_channel = config.getString("bus.channel");
  s.bus_reconnect_max = std::chrono::milliseconds(config.getInt("bus.reconnect_max_ms"));
  for (const char* key : {"ratelimit.backend", "bus.backend"}) {
    if (config.getString(key) == "redis" && url.empty()) {
      problems.push_back(
          config::keyProblem(key, "redis needs redis.url, e.g. redis://127.0.0.1:6379/0"));
    }
  }
  return s;
}

}  // namespace cc::shared_state
