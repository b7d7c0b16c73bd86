#include "http/handlers/auth_handlers.h"

#include "domain/input.h"
#include "domain/user.h"
#include "http/error_envelope.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::http::handlers {
namespace {

using common::Error;
using common::ErrorCode;

Reply authError(const Error& error, const RequestContext& ctx) {
  Reply reply = errorReply(error, ctx.request_id);
  if (error.code == ErrorCode::kUnauthorized) {
    reply.setHeader("WWW-Authenticate", "Bearer realm=\"controlcenter\"");
  }
  return reply;
}

// Shape problems are 400s that name the field; they say nothing about which users exist.
common::Result<std::string> credential(const Poco::JSON::Object& body, const std::string& field,
                                       std::size_t max) {
  auto value = domain::json_input::text(body, field);
  if (!value.ok()) return value.error();
  if (!*value) return domain::json_input::required(field);
  if (auto st = domain::checkText(field, **value, 1, max); !st.ok()) return st.error();
  return **value;
}

Reply login(DomainServices& services, RequestContext& ctx) {
  auto body = parseJsonObject(ctx);
  if (!body) return errorReply(body.error(), ctx.request_id);
  if (auto st = domain::json_input::rejectUnknown(**body, {"username", "password"}); !st.ok()) {
    return errorReply(st.error(), ctx.request_id);
  }
  auto username = credential(**body, "username", domain::kMaxUsername);
  if (!username) return errorReply(username.error(), ctx.request_id);
  auto password = credential(**body, "password", domain::kMaxPassword);
  if (!password) return errorReply(password.error(), ctx.request_id);

  auto identity = services.users.authenticate(*username, *password, ctx.deadline);
  if (!identity) return authError(identity.error(), ctx);
  auto issued =
      services.tokens.issue(identity->username, identity->role, std::nullopt, ctx.deadline);
  if (!issued) return authError(issued.error(), ctx);

  auto out = newObject();
  out->set("token", issued->token);
  out->set("token_type", "Bearer");
  out->set("expires_at", common::formatIsoTime(issued->expires_at_ms));
  out->set("username", identity->username);
  out->set("role", std::string(domain::toString(identity->role)));
  Reply reply = jsonReply(200, out);
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

Reply validate(DomainServices& services, RequestContext& ctx) {
  // The middleware accepted this token already; asking again (a cache hit) gives its expiry.
  auto identity = services.tokens.validate(ctx.bearer_token, ctx.deadline);
  if (!identity) return authError(identity.error(), ctx);
  auto out = newObject();
  out->set("valid", true);
  out->set("username", identity->username);
  out->set("role", std::string(domain::toString(identity->role)));
  out->set("expires_at", common::formatIsoTime(identity->expires_at_ms));
  // The id an admin lists and revokes this token by (GET /admin/users/{name}/tokens).
  out->set("token_id", auth::TokenService::tokenId(ctx.bearer_token));
  Reply reply = jsonReply(200, out);
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

Reply logout(DomainServices& services, RequestContext& ctx) {
  const std::string& token = ctx.bearer_token;
  if (token.empty()) {
    return authError({ErrorCode::kUnauthorized, "missing bearer token", {}, 0}, ctx);
  }
  if (auto st = services.tokens.revoke(token, ctx.deadline); !st.ok()) {
    return errorReply(st.error(), ctx.request_id);
  }
  return Reply::noContent();
}

}  // namespace

void addAuthRoutes(Router& router, DomainServices& services) {
  RouteOptions open;
  open.is_public = true;
  open.uses_store = true;
  RouteOptions signed_in;
  signed_in.uses_store = true;

  router.add(
      "POST", "/api/auth/login", [&services](RequestContext& ctx) { return login(services, ctx); },
      open);
  router.add(
      "GET", "/api/auth/validate",
      [&services](RequestContext& ctx) { return validate(services, ctx); }, signed_in);
  router.add(
      "POST", "/api/auth/logout",
      [&services](RequestContext& ctx) { return logout(services, ctx); }, signed_in);
}

}  // namespace cc::http::handlers
