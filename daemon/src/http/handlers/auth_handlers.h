#pragma once
// POST /api/auth/login, GET /api/auth/validate, POST /api/auth/logout.

#include "http/handlers/domain_services.h"
#include "http/router.h"

namespace cc::http::handlers {

/// Adds the token routes. Login is public; validate and logout need an authenticated caller
/// (the auth middleware runs first) but are not writes, so a viewer may use them. All three use
/// the store. Every 401 carries `WWW-Authenticate: Bearer realm="controlcenter"`.
void addAuthRoutes(Router& router, DomainServices& services);

}  // namespace cc::http::handlers
