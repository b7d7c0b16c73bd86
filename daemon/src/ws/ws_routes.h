#pragma once
// The two WebSocket routes, /api/system/metrics and /api/system/ws, and their upgrade handler.

#include "http/router.h"
#include "system/system_sampler.h"
#include "ws/hub.h"

namespace cc::ws {

/// Adds GET /api/system/metrics (public unless ws.metrics_public is false) and GET
/// /api/system/ws (always authenticated). Both routes are public to the pipeline: the handler
/// authenticates itself, from `Authorization: Bearer`, `?token=` or a first auth message, and
/// answers before the upgrade with the envelope: 400 (not an upgrade), 401 (a bad token in the
/// header or query), 429 (per-client cap), 503 (total cap, or the hub not running). The hub
/// must outlive the router.
void addWebSocketRoutes(http::Router& router, Hub& hub);

/// The hub's snapshot source reading `sampler`, which must outlive the hub.
Hub::SnapshotSource snapshotsOf(const system::SystemSampler& sampler);

/// The token offered with an upgrade: from `Authorization` (which must be `Bearer <token>`;
/// anything else gives "", an invalid token), else from `?token=`; nullopt when neither is there.
std::optional<std::string> upgradeToken(const http::RequestContext& ctx);

}  // namespace cc::ws
