#pragma once
// GET /metrics in the Prometheus text exposition format.

#include <string>

#include "http/router.h"
#include "metrics/registry.h"

namespace cc::http::handlers {

/// Adds GET /metrics for the admin listener, whose admin token guards every route.
void addMetricsRoute(Router& router, const metrics::Registry& registry);

/// Adds GET /metrics for the public listener (metrics.public): only a scraper that sends
/// `Authorization: Bearer <key>` (metrics.public_key_file) is answered, the key compared in
/// constant time; anyone else gets a 401 envelope. Exempt from rate limits by the shipped
/// configuration. `key` must not be empty.
void addPublicMetricsRoute(Router& router, const metrics::Registry& registry, std::string key);

}  // namespace cc::http::handlers
