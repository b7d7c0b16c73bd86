#pragma once
// Every component's settings, built once from a configuration snapshot.

#include <memory>
#include <string>
#include <vector>

#include "breaker/circuit_breaker.h"
#include "config/config.h"
#include "config/problem.h"
#include "http/http_server.h"
#include "middleware/cors.h"
#include "middleware/rate_limit_config.h"
#include "middleware/response_cache.h"
#include "shared_state/redis_settings.h"
#include "store/store_options.h"
#include "system/system_sampler.h"
#include "ws/hub_settings.h"

namespace cc::app {

struct SettingsResult;

/// What the daemon runs with, built in one place from a `Config`: each listener's settings,
/// the rate limit, cache and breaker configurations, the store, sampler and hub settings. The
/// key table has checked every value on its own; `build` checks how values fit together (each
/// check in one place) and reports every problem at once. Start-up builds the components from
/// it, `--check-config` only builds it, and a reload builds a new one and, when it has no
/// problem, applies its reloadable parts to every listener and component (nothing otherwise).
/// Immutable once built; thread-safe to share.
struct DaemonSettings {
  config::ConfigPtr config;              ///< the snapshot these were built from
  http::ServerSettings http;             ///< the public listener
  http::ServerSettings admin;            ///< the admin listener on TCP
  http::ServerSettings admin_unix;       ///< the admin listener on admin.socket (when set)
  int max_connections_per_client = 200;  ///< http.max_connections_per_client
  std::string log_level;
  std::shared_ptr<const middleware::RateLimitConfig> rate_limit;
  std::shared_ptr<const middleware::ResponseCacheConfig> cache;
  breaker::BreakerConfig db_breaker;
  store::StoreOptions store;
  shared_state::RedisSettings redis;  ///< redis.*, ratelimit.backend, ratelimit.redis_failure
  system::SamplerSettings sampler;
  ws::HubSettings hub;
  middleware::CorsPolicy cors;          ///< http.cors.allowed_origins
  bool metrics_public = false;          ///< metrics.public: /metrics on the public listener too
  std::string metrics_public_key_file;  ///< metrics.public_key_file: the key it wants there

  /// Builds the settings from a configuration the loader accepted (no load problems).
  static SettingsResult build(config::ConfigPtr config);
  /// Loads the layers (defaults < file < defines) and builds the settings: the one path
  /// start-up, --check-config and reload take. Checks of how keys fit together run once every
  /// key is valid on its own (they would only repeat a bad value's problem).
  static SettingsResult load(const std::string& file, const config::ConfigLoader::Defines& defines);
};

/// Settings, or every problem found, each naming its key (or the file).
struct SettingsResult {
  std::shared_ptr<const DaemonSettings> settings;
  config::Problems problems;
  bool ok() const { return problems.empty() && settings != nullptr; }
};

}  // namespace cc::app
