#pragma once
// /api/projects: listing with filters and CRUD; deleting a referenced project needs force.

#include "http/handlers/domain_services.h"
#include "http/router.h"

namespace cc::http::handlers {

/// Adds GET/POST /api/projects and GET/PATCH/DELETE /api/projects/{id}. Every route uses the
/// store; POST, PATCH and DELETE are writes. DELETE answers 409 while agents refer to the
/// project unless ?force=true, which detaches them. Successful writes invalidate
/// "/api/projects" and publish project.created|updated|deleted on the "projects" topic; a forced
/// delete also invalidates "/api/agents", whose project_id changed.
void addProjectRoutes(Router& router, DomainServices& services);

}  // namespace cc::http::handlers
