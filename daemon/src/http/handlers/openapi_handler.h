#pragma once
// GET /api/openapi.json: the OpenAPI 3.1 description of both listeners' routes.

#include <string_view>

#include "http/router.h"

namespace cc::http::handlers {

/// docs/openapi.json as it was when the daemon was built (CMake embeds the file, so the
/// checked-in document is the only copy).
std::string_view openApiDocument();

/// Adds GET /api/openapi.json (public: no token).
void addOpenApiRoute(Router& router);

}  // namespace cc::http::handlers
