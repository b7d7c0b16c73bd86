#include "middleware/authenticator.h"

#include "http/error_envelope.h"

namespace cc::middleware {
namespace {

http::Reply unauthorized(const std::string& message, const std::string& request_id) {
  http::Reply reply =
      http::errorReply({common::ErrorCode::kUnauthorized, message, {}, 0}, request_id);
  reply.setHeader("WWW-Authenticate", "Bearer realm=\"controlcenter\"");
  return reply;
}

}  // namespace

namespace {

bool needsToken(const http::RequestContext& ctx, const http::Route* route) {
  if (route != nullptr && route->options.is_public) return false;
  return ctx.path.rfind("/api/", 0) == 0 || ctx.path == "/api";
}

}  // namespace

bool Authenticator::mayWait(const http::RequestContext& ctx, const http::Route* route) const {
  return needsToken(ctx, route) && !ctx.bearer_token.empty() &&
         !tokens_.answersFromCache(ctx.bearer_token);
}

std::optional<http::Reply> Authenticator::onRequest(http::RequestContext& ctx,
                                                    const http::Route* route) {
  if (!needsToken(ctx, route)) return std::nullopt;

  if (ctx.bearer_token.empty()) {
    return unauthorized("this route needs Authorization: Bearer <token> (POST /api/auth/login)",
                        ctx.request_id);
  }
  auto identity = tokens_.validate(ctx.bearer_token, ctx.deadline);
  if (!identity) {
    if (identity.error().code == common::ErrorCode::kUnauthorized) {
      return unauthorized(identity.error().message, ctx.request_id);
    }
    return http::errorReply(identity.error(), ctx.request_id);
  }
  ctx.identity = http::Identity{identity->username, std::string(domain::toString(identity->role))};
  if (route != nullptr && route->options.writes && identity->role != domain::Role::kAdmin) {
    return http::errorReply({common::ErrorCode::kForbidden,
                             "role viewer may not change anything; this route needs role admin",
                             {},
                             0},
                            ctx.request_id);
  }
  return std::nullopt;
}

}  // namespace cc::middleware
