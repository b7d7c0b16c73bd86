#pragma once
// GET /api/console/state: the daemon's own state for the web console's admins, on the public
// listener, so that the console never needs the admin port.

#include "breaker/circuit_breaker.h"
#include "common/clock.h"
#include "health/health_registry.h"
#include "http/router.h"
#include "middleware/rate_limit_stage.h"
#include "middleware/response_cache.h"
#include "store/store.h"

namespace cc::http::handlers {

/// What the state view reads; each part is the same JSON the admin API shows for it
/// (GET /health, /admin/breakers, /admin/ratelimit, /admin/cache, /admin/pool). Every source
/// outlives the router and is thread-safe.
struct ConsoleStateSources {
  const health::HealthRegistry& health;
  common::SteadyTime started_at;
  const middleware::RateLimitStage& rate_limit;
  const middleware::ResponseCache& cache;
  const breaker::CircuitBreaker& db_breaker;
  const store::Store& store;
};

/// Adds GET /api/console/state: `{"health","breakers","ratelimit","cache","pool"}`, read-only,
/// never cached (`Cache-Control: no-store`). Needs a user's token (401 from the authenticator
/// without one) of role admin: a viewer gets 403, since rate-limit keys are client addresses.
/// In-memory only, so it answers while the store's breaker is open.
void addConsoleStateRoute(Router& router, const ConsoleStateSources& sources);

}  // namespace cc::http::handlers
