#pragma once
// GET /api/system/{info,stats,disk,network,processes}: answers read the latest snapshot.

#include "http/router.h"
#include "system/system_sampler.h"

namespace cc::http::handlers {

/// Adds the system routes. They read the sampler's last published snapshot from memory, never
/// /proc; before the first round they answer 503 with Retry-After.
void addSystemRoutes(Router& router, const system::SystemSampler& sampler);

}  // namespace cc::http::handlers
