#include "http/handlers/console_state_handler.h"

#include <Poco/JSON/Parser.h>

#include "admin/protection_admin_routes.h"
#include "admin/store_admin_routes.h"
#include "http/error_envelope.h"
#include "http/json_body.h"

namespace cc::http::handlers {

void addConsoleStateRoute(Router& router, const ConsoleStateSources& sources) {
  router.add("GET", "/api/console/state", [sources](RequestContext& ctx) {
    // The authenticator has let any user's token through (a read); the state is for admins.
    if (!ctx.identity || ctx.identity->role != "admin") {
      return errorReply({common::ErrorCode::kForbidden,
                         "the daemon's state is for role admin; role viewer may not read it",
                         {},
                         0},
                        ctx.request_id);
    }
    const double uptime_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - sources.started_at)
            .count();
    // The registry writes its report as text (GET /health's body); the state embeds it as is.
    Poco::JSON::Parser parser;
    auto out = newObject();
    out->set("health",
             parser.parse(health::HealthRegistry::toJson(sources.health.health(), uptime_s)));
    out->set("breakers", admin::breakersToJson(sources.db_breaker));
    out->set("ratelimit", sources.rate_limit.sharedLimiter()->toJson());
    out->set("cache", sources.cache.toJson());
    out->set("pool", admin::poolToJson(sources.store));
    Reply reply = jsonReply(200, out);
    reply.setHeader("Cache-Control", "no-store");
    return reply;
  });
}

}  // namespace cc::http::handlers
