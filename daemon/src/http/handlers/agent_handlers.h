#pragma once
// /api/agents: listing with filters, CRUD, heartbeats, the active set and counts.

#include "http/handlers/domain_services.h"
#include "http/router.h"

namespace cc::http::handlers {

/// Adds GET/POST /api/agents, GET /api/agents/active, GET /api/agents/stats,
/// GET/PATCH/DELETE /api/agents/{id} and POST /api/agents/{id}/heartbeat. Every route uses the
/// store; POST, PATCH and DELETE are writes. Successful writes invalidate "/api/agents" and
/// publish agent.created|updated|deleted|heartbeat on the "agents" topic.
void addAgentRoutes(Router& router, DomainServices& services);

}  // namespace cc::http::handlers
