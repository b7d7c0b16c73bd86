#pragma once
// The routes of each listener, in one place: the daemon serves them and the tests compare them
// with docs/openapi.json and docs/api.md.

#include <string>

#include "admin/admin_api.h"
#include "app/services.h"
#include "common/clock.h"
#include "http/router.h"

namespace cc::app {

/// Every route of the public listener (http.port): health, the OpenAPI document, system, auth,
/// agents, projects and the WebSocket streams; /metrics too when `metrics_key` is not empty
/// (metrics.public), for the scraper that sends it as its bearer token.
void addPublicRoutes(http::Router& router, Services& services, common::SteadyTime started_at,
                     const std::string& metrics_key = "");

/// Every route of the admin listener (admin.port, and admin.socket when set), /metrics included.
void addAdminListenerRoutes(http::Router& router, Services& services, admin::AdminBackend& backend);

}  // namespace cc::app
