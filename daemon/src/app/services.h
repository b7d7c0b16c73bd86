#pragma once
// The daemon's long-lived components, built from the configuration in dependency order.

#include <memory>
#include <string>
#include <vector>

#include "app/daemon_settings.h"
#include "auth/token_service.h"
#include "auth/user_service.h"
#include "breaker/circuit_breaker.h"
#include "common/task_executor.h"
#include "config/config.h"
#include "health/health_registry.h"
#include "health/periodic_probe.h"
#include "http/handlers/domain_services.h"
#include "http/reactor.h"
#include "metrics/registry.h"
#include "middleware/rate_limit_stage.h"
#include "middleware/response_cache.h"
#include "middleware/route_runner.h"
#include "shared_state/message_bus.h"
#include "shared_state/redis_pool.h"
#include "shared_state/redis_rate_limit_backend.h"
#include "store/store.h"
#include "system/system_sampler.h"
#include "ws/hub.h"

namespace cc::app {

/// Owns every component the routes use. Created once after the PID lock is held and the
/// signal mask is set (it starts the sampler and executor threads); destroyed after the
/// listeners have stopped. Destruction first joins the executor (handlers still running or
/// queued finish against live components), then shuts the hub and the sampler down. Members are
/// thread-safe; reload() is called from one thread at a time.
class Services {
 public:
  /// Opens the store (running migrations), bootstraps the admin user, starts the sampler.
  /// Fails with a message naming the key or file at fault.
  static common::Result<std::unique_ptr<Services>> create(const DaemonSettings& settings,
                                                          const common::Clock& clock);
  ~Services();

  /// Applies the reloadable settings (rate limits with their counters kept, cache rules,
  /// breaker settings, fault injection, sample interval) of settings built without problems.
  void reload(const DaemonSettings& settings);

  const common::Clock& clock;
  metrics::Registry metrics;
  health::HealthRegistry health;
  std::unique_ptr<store::Store> store;
  /// On a store with a server (PostgreSQL; else null): SELECT 1 once a second, for readiness.
  std::unique_ptr<health::PeriodicProbe> db_probe;
  std::unique_ptr<auth::TokenService> tokens;
  std::unique_ptr<auth::UserService> users;
  std::unique_ptr<system::SystemSampler> sampler;
  std::unique_ptr<breaker::CircuitBreaker> db_breaker;
  std::shared_ptr<middleware::ResponseCache> cache;
  /// With ratelimit.backend = redis (else null): the pool and the shared buckets' backend.
  std::shared_ptr<shared_state::RedisPool> redis;
  std::shared_ptr<shared_state::RedisRateLimitBackend> redis_rate_limit;
  std::shared_ptr<middleware::RateLimitStage> rate_limit;
  /// The daemon's I/O threads (http.event_loops of them, at http.event_loop_nice): the
  /// listeners' parked connections and the hub's WebSockets. Started here, before the hub;
  /// declared before it, so stopped after it (and after the listeners, which stop first).
  std::unique_ptr<http::Reactor> reactor;
  std::unique_ptr<ws::Hub> hub;
  std::unique_ptr<http::handlers::DomainServices> domain;
  /// With bus.backend = redis (else null): revocations, invalidations and events of the other
  /// daemons, and this one's to them.
  std::unique_ptr<shared_state::MessageBus> bus;
  // Declared after everything a handler uses, so destroyed before it: a store handler left
  // running after its 504 is joined while the hub and the domain services still exist.
  std::unique_ptr<common::TaskExecutor> executor;
  std::unique_ptr<middleware::RouteRunner> runner;

  /// The /admin/status view of Redis: its pool and the rate limit backend; null without one.
  Poco::Dynamic::Var redisStatus() const;
  /// The bus for /admin/status: {"backend":"local"} or MessageBus::toJson().
  Poco::Dynamic::Var busStatus() const;

  /// The daemon's own liveness, for the systemd watchdog: the collector published recently
  /// and `requests_total` moved since the last call whenever every worker was busy.
  bool alive(int threads_busy, int threads_max, int64_t requests_total);

 private:
  explicit Services(const common::Clock& c) : clock(c) {}
  void registerMetrics();
  void registerHealthChecks();
  void registerRedisMetrics();
  void registerBusMetrics();
  /// Builds the bus and connects the token service, the cache and the hub to it.
  void startBus(const shared_state::RedisSettings& redis_settings);
  void startDbProbe();
  middleware::RateLimiter::StoreFactory rateLimitStores() const;
  int64_t last_requests_total_ = -1;
  bool was_saturated_ = false;
};

}  // namespace cc::app
