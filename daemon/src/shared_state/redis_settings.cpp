#include "shared_state/redis_settings.h"

#include "common/secret_file.h"

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
  const std::string file = config.getString("redis.password_file");
  if (!file.empty()) {
    // The same owner-only check as db.password_file.
    auto password = common::readSecretFile(file);
    if (!password) {
      problems.push_back(config::keyProblem("redis.password_file", password.error().message));
    } else if (password->empty()) {
      problems.push_back(config::keyProblem("redis.password_file", file + " holds no password"));
    } else {
      s.password = *password;
    }
  }
  const std::string backend = config.getString("ratelimit.backend");
  s.ratelimit_backend = backend == "redis" ? RateLimitBackend::kRedis : RateLimitBackend::kLocal;
  const std::string failure = config.getString("ratelimit.redis_failure");
  s.ratelimit_failure = failure == "open"     ? RedisFailureMode::kOpen
                        : failure == "closed" ? RedisFailureMode::kClosed
                                              : RedisFailureMode::kLocal;
  if (s.ratelimit_backend == RateLimitBackend::kRedis && url.empty()) {
    problems.push_back(config::keyProblem("ratelimit.backend",
                                          "redis needs redis.url, e.g. redis://127.0.0.1:6379/0"));
  }
  return s;
}

}  // namespace cc::shared_state
