#include "ws/ws_routes.h"

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/String.h>

#include "http/error_envelope.h"
#include "ws/handshake.h"

namespace cc::ws {
namespace {

http::Reply refuse(Hub& hub, RefuseReason reason, const common::Error& error,
                   const http::RequestContext& ctx) {
  hub.countRefused(reason);
  return http::errorReply(error, ctx.request_id);
}

http::Reply upgrade(Hub& hub, Endpoint endpoint, bool needs_auth, http::RequestContext& ctx) {
  if (ctx.upgrade_request == nullptr || ctx.upgrade_response == nullptr) {
    return refuse(hub, RefuseReason::kBadRequest,
                  common::Error::badRequest("this endpoint speaks WebSocket only"), ctx);
  }
  auto accept = checkUpgrade(*ctx.upgrade_request);
  if (!accept) return refuse(hub, RefuseReason::kBadRequest, accept.error(), ctx);

  // A token offered in the upgrade is checked now; without one the first message must carry it.
  std::optional<http::Identity> identity;
  if (needs_auth) {
    if (auto token = upgradeToken(ctx)) {
      identity = hub.validate(*token);
      if (!identity) {
        auto reply =
            refuse(hub, RefuseReason::kUnauthorized,
                   {common::ErrorCode::kUnauthorized, "invalid or expired token", {}, 0}, ctx);
        reply.setHeader("WWW-Authenticate", "Bearer");
        return reply;
      }
    }
  }

  auto ticket = hub.admit(endpoint, ctx.client_ip);
  if (!ticket) return http::errorReply(ticket.error(), ctx.request_id);

  UpgradedSocket upgraded;
  try {
    upgraded = completeUpgrade(*ctx.upgrade_request, *ctx.upgrade_response, *accept);
  } catch (const Poco::Exception&) {
    // The client left during the handshake; the ticket gives its slot back.
    ctx.upgraded = true;
    return http::Reply::noContent();
  }
  ctx.upgraded = true;
  Handoff handoff;
  handoff.socket = std::move(upgraded.socket);
  handoff.leftover = std::move(upgraded.leftover);
  handoff.endpoint = endpoint;
  handoff.needs_auth = needs_auth;
  handoff.identity = std::move(identity);
  handoff.ticket = std::move(*ticket);
  hub.adopt(std::move(handoff));
  http::Reply reply;
  reply.status = 101;
  return reply;
}

}  // namespace

std::optional<std::string> upgradeToken(const http::RequestContext& ctx) {
  std::string auth = ctx.header("Authorization");
  if (!auth.empty()) {
    const std::string prefix = "Bearer ";
    if (auth.size() > prefix.size() && Poco::icompare(auth.substr(0, prefix.size()), prefix) == 0) {
      return Poco::trim(auth.substr(prefix.size()));
    }
    return std::string();
  }
  return ctx.queryParam("token");
}

void addWebSocketRoutes(http::Router& router, Hub& hub) {
  http::RouteOptions options;
  options.is_public = true;  // the handler authenticates: first-message auth is past the pipeline
  bool metrics_auth = !hub.settings().metrics_public;
  router.add(
      "GET", "/api/system/metrics",
      [&hub, metrics_auth](http::RequestContext& ctx) {
        return upgrade(hub, Endpoint::kMetrics, metrics_auth, ctx);
      },
      options);
  router.add(
      "GET", "/api/system/ws",
      [&hub](http::RequestContext& ctx) { return upgrade(hub, Endpoint::kEvents, true, ctx); },
      options);
}

Hub::SnapshotSource snapshotsOf(const system::SystemSampler& sampler) {
  return [&sampler] { return sampler.snapshot(); };
}

}  // namespace cc::ws
