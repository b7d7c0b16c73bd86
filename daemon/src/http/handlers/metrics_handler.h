#pragma once
// GET /metrics in the Prometheus text exposition format.

#include "http/router.h"
#include "metrics/registry.h"

namespace cc::http::handlers {

/// Adds GET /metrics (public, exempt from rate limits by the shipped configuration).
void addMetricsRoute(Router& router, const metrics::Registry& registry);

}  // namespace cc::http::handlers
