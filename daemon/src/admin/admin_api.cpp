#include "admin/admin_api.h"

#include "auth/password_hasher.h"
#include "common/logging.h"
#include "http/error_envelope.h"
#include "http/json_body.h"

namespace cc::admin {
namespace {

using common::Error;
using common::ErrorCode;
using http::Reply;
using http::RequestContext;

Poco::JSON::Array::Ptr changesToJson(const std::vector<config::Change>& changes) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& c : changes) {
    auto o = http::newObject();
    o->set("key", c.key);
    o->set("old", c.old_value);
    o->set("new", c.new_value);
    out->add(o);
  }
  return out;
}

}  // namespace

std::optional<Reply> AdminAuth::onRequest(RequestContext& ctx, const http::Route*) {
  std::string header = ctx.header("Authorization");
  const std::string prefix = "Bearer ";
  bool ok = header.size() > prefix.size() && header.compare(0, prefix.size(), prefix) == 0 &&
            auth::PasswordHasher::constantTimeEquals(header.substr(prefix.size()), token_);
  if (ok) return std::nullopt;
  Reply reply = http::errorReply(
      {ErrorCode::kUnauthorized,
       header.empty() ? "admin API needs Authorization: Bearer <token from admin.token_file>"
                      : "admin token does not match admin.token_file",
       {},
       0},
      ctx.request_id);
  reply.setHeader("WWW-Authenticate", "Bearer realm=\"controlcenter-admin\"");
  return reply;
}

Poco::JSON::Object::Ptr reloadToJson(const ReloadOutcome& outcome) {
  auto o = http::newObject();
  o->set("applied", changesToJson(outcome.applied));
  o->set("needs_restart", changesToJson(outcome.needs_restart));
  return o;
}

Poco::JSON::Object::Ptr configToJson(const config::Config& config) {
  auto o = http::newObject();
  o->set("file", config.file().empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(config.file()));
  Poco::JSON::Array::Ptr keys = new Poco::JSON::Array;
  for (const auto& entry : config::shownEntries(config)) {
    auto k = http::newObject();
    k->set("key", entry.key);
    k->set("value", entry.value);
    k->set("source", entry.source);
    k->set("reloadable", entry.reloadable);
    k->set("redacted", entry.redacted);
    keys->add(k);
  }
  o->set("keys", keys);
  return o;
}

void addAdminRoutes(http::Router& router, AdminBackend& backend) {
  router.add("GET", "/admin/status",
             [&backend](RequestContext&) { return http::jsonReply(200, backend.status()); });
  router.add("GET", "/admin/config", [&backend](RequestContext&) {
    return http::jsonReply(200, configToJson(*backend.effectiveConfig()));
  });

  http::RouteOptions writes;
  writes.writes = true;
  router.add(
      "POST", "/admin/reload",
      [&backend](RequestContext& ctx) {
        ReloadOutcome outcome = backend.reload();
        if (!outcome.problems.empty()) {
          std::string message = "new configuration rejected, the running one stays:";
          for (const auto& p : outcome.problems) message += " " + p + ";";
          message.pop_back();
          return http::errorReply(Error::badRequest(message), ctx.request_id);
        }
        return http::jsonReply(200, reloadToJson(outcome));
      },
      writes);

  router.add(
      "POST", "/admin/restart",
      [&backend](RequestContext&) {
        backend.requestRestart();
        auto o = http::newObject();
        o->set("status", "restarting");
        return http::jsonReply(202, o);
      },
      writes);

  auto level_reply = [] {
    auto o = http::newObject();
    o->set("level", common::logLevel());
    return http::jsonReply(200, o);
  };
  router.add("GET", "/admin/log-level", [level_reply](RequestContext&) { return level_reply(); });
  router.add(
      "PUT", "/admin/log-level",
      [&backend, level_reply](RequestContext& ctx) {
        auto body = http::parseJsonObject(ctx);
        if (!body) return http::errorReply(body.error(), ctx.request_id);
        Poco::Dynamic::Var level = (*body)->get("level");
        if (!level.isString() || !backend.setLogLevel(level.toString())) {
          return http::errorReply(
              Error::invalid("level",
                             "level must be one of trace, debug, info, warn (or warning), "
                             "error, critical, off"),
              ctx.request_id);
        }
        return level_reply();
      },
      writes);
}

}  // namespace cc::admin
