#pragma once
// Admin views and resets of the traffic protection state: rate limits, cache, breakers.

#include <Poco/JSON/Array.h>

#include "breaker/circuit_breaker.h"
#include "http/router.h"
#include "middleware/rate_limit_stage.h"
#include "middleware/response_cache.h"

namespace cc::admin {

/// GET/DELETE /admin/ratelimit, GET/DELETE /admin/cache, GET /admin/breakers.
void addProtectionAdminRoutes(http::Router& router, middleware::RateLimitStage& rate_limit,
                              middleware::ResponseCache& cache,
                              breaker::CircuitBreaker& db_breaker);

/// Every circuit breaker (today the store's, `db`) with its state, counters and settings: the
/// `breakers` of GET /admin/breakers, also shown by the console's state view.
Poco::JSON::Array::Ptr breakersToJson(const breaker::CircuitBreaker& db_breaker);

}  // namespace cc::admin
