#include "app/listener_routes.h"

#include "admin/protection_admin_routes.h"
#include "admin/store_admin_routes.h"
#include "http/handlers/agent_handlers.h"
#include "http/handlers/auth_handlers.h"
#include "http/handlers/console_handler.h"
#include "http/handlers/console_state_handler.h"
#include "http/handlers/health_handlers.h"
#include "http/handlers/metrics_handler.h"
#include "http/handlers/openapi_handler.h"
#include "http/handlers/project_handlers.h"
#include "http/handlers/system_handlers.h"
#include "ws/ws_routes.h"

namespace cc::app {

void addPublicRoutes(http::Router& router, Services& services, common::SteadyTime started_at,
                     const std::string& metrics_key) {
  http::handlers::addHealthRoutes(router, services.health, started_at);
  // Internals stay off the public port unless a scraper key is configured (metrics.public).
  if (!metrics_key.empty())
    http::handlers::addPublicMetricsRoute(router, services.metrics, metrics_key);
  http::handlers::addOpenApiRoute(router);
  http::handlers::addConsoleRoutes(router);
  http::handlers::addConsoleStateRoute(
      router, {services.health, started_at, *services.rate_limit, *services.cache,
               *services.db_breaker, *services.store});
  http::handlers::addSystemRoutes(router, *services.sampler);
  http::handlers::addAuthRoutes(router, *services.domain);
  http::handlers::addAgentRoutes(router, *services.domain);
  http::handlers::addProjectRoutes(router, *services.domain);
  ws::addWebSocketRoutes(router, *services.hub);
}

void addAdminListenerRoutes(http::Router& router, Services& services,
                            admin::AdminBackend& backend) {
  admin::addAdminRoutes(router, backend);
  admin::addProtectionAdminRoutes(router, *services.rate_limit, *services.cache,
                                  *services.db_breaker);
  admin::addStoreAdminRoutes(router, *services.domain);
  http::handlers::addMetricsRoute(router, services.metrics);
}

}  // namespace cc::app
