#pragma once
// GET/HEAD /health, /health/live, /health/ready and the /api/health alias.

#include "common/clock.h"
#include "health/health_registry.h"
#include "http/router.h"

namespace cc::http::handlers {

/// Adds the health routes (public, never rate-limited). 200 for pass and warn, 503 for fail.
void addHealthRoutes(Router& router, const health::HealthRegistry& registry,
                     common::SteadyTime started_at);

}  // namespace cc::http::handlers
