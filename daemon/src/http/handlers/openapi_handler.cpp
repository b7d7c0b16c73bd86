#include "http/handlers/openapi_handler.h"

namespace cc::http::handlers {

void addOpenApiRoute(Router& router) {
  RouteOptions open;
  open.is_public = true;
  router.add(
      "GET", "/api/openapi.json",
      [](RequestContext&) { return Reply::json(200, std::string(openApiDocument())); }, open);
}

}  // namespace cc::http::handlers
