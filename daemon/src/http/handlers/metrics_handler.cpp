#include "http/handlers/metrics_handler.h"

namespace cc::http::handlers {

void addMetricsRoute(Router& router, const metrics::Registry& registry) {
  RouteOptions open;
  open.is_public = true;
  router.add(
      "GET", "/metrics",
      [&registry](RequestContext&) {
        Reply reply = Reply::json(200, registry.render());
        reply.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return reply;
      },
      open);
}

}  // namespace cc::http::handlers
