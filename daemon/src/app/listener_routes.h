#pragma once
// The routes of each listener, in one place: the daemon serves them and the tests compare them
// with docs/openapi.json and docs/api.md.

#include "admin/admin_api.h"
#include "app/services.h"
#include "common/clock.h"
#include "http/router.h"

namespace cc::app {

/// Every route of the public listener (http.port): health, metrics, the OpenAPI document,
/// system, auth, agents, projects and the WebSocket streams.
void addPublicRoutes(http::Router& router, Services& services, common::SteadyTime started_at);

/// Every route of the admin listener (admin.port, and admin.socket when set).
void addAdminListenerRoutes(http::Router& router, Services& services, admin::AdminBackend& backend);

}  // namespace cc::app
