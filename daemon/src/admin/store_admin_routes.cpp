#include "admin/store_admin_routes.h"

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <sstream>

#include "auth/secure_random.h"
#include "domain/input.h"
#include "domain/user.h"
#include "http/error_envelope.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::admin {
namespace {

using common::Error;
using common::ErrorCode;
using common::Result;
using http::Reply;
using http::RequestContext;
using http::handlers::bindServices;
using http::handlers::DomainServices;
namespace json_input = domain::json_input;

constexpr int64_t kMaxFaultDelayMs = 60000;
constexpr int64_t kMaxTokenTtlS = 86400;
constexpr int64_t kDefaultTokenTtlS = 900;
constexpr const char* kDefaultTokenUser = "loadtest";
constexpr std::size_t kMintedUserPasswordLength = 32;
// A backup copies every page in one step; large databases need more than a request budget.
constexpr int kBackupTimeoutMs = 300000;

Reply fail(const Error& error, const RequestContext& ctx) {
  return http::errorReply(error, ctx.request_id);
}

std::string pathParam(const RequestContext& ctx, const std::string& param) {
  auto it = ctx.path_params.find(param);
  return it == ctx.path_params.end() ? std::string() : it->second;
}

// A name that cannot be a username cannot name an existing user either.
Result<std::string> existingUserName(const RequestContext& ctx) {
  std::string name = pathParam(ctx, "name");
  if (!domain::validateUsername(name).ok()) {
    return Error::notFound("no user named '" + name + "'");
  }
  return name;
}

// The path's user, which must exist: for routes about a user's tokens, which the token store alone
// cannot tell apart from a user without any.
Result<std::string> knownUserName(DomainServices& services, const RequestContext& ctx) {
  auto name = existingUserName(ctx);
  if (!name) return name.error();
  if (auto user = services.users.find(*name, ctx.deadline); !user) return user.error();
  return name;
}

// An integer field within [min, max]; nullopt when absent.
Result<std::optional<int64_t>> boundedInt(const Poco::JSON::Object& body, const std::string& field,
                                          int64_t min, int64_t max) {
  auto value = json_input::nullableInt(body, field);
  if (!value) return value.error();
  if (!*value) return std::optional<int64_t>();
  const std::string range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!**value) return Error::invalid(field, range);
  int64_t v = ***value;
  if (v < min || v > max) return Error::invalid(field, range + ", got " + std::to_string(v));
  return std::optional<int64_t>(v);
}

// A number field within [min, max]; nullopt when absent.
Result<std::optional<double>> boundedNumber(const Poco::JSON::Object& body,
                                            const std::string& field, double min, double max) {
  if (!body.has(field)) return std::optional<double>();
  const Poco::Dynamic::Var& v = body.get(field);
  std::ostringstream range_text;
  range_text << "must be a number from " << min << " to " << max;
  const std::string range = range_text.str();
  if (v.isEmpty() || v.isBoolean() || !v.isNumeric()) return Error::invalid(field, range);
  double d = 0;
  try {
    d = v.convert<double>();
  } catch (const Poco::Exception&) {
    return Error::invalid(field, range);
  }
  if (!(d >= min && d <= max)) return Error::invalid(field, range);
  return std::optional<double>(d);
}

Reply listUsers(DomainServices& services, RequestContext& ctx) {
  auto users = services.users.list(ctx.deadline);
  if (!users) return fail(users.error(), ctx);
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const auto& user : *users) items->add(domain::toJson(user));
  auto out = http::newObject();
  out->set("users", items);
  return http::jsonReply(200, out);
}

Reply createUser(DomainServices& services, RequestContext& ctx) {
  auto body = http::parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  auto input = domain::parseUserInput(**body, false);
  if (!input) return fail(input.error(), ctx);
  auto user = services.users.create(*input->username, *input->password,
                                    input->role.value_or(domain::Role::kViewer), ctx.deadline);
  if (!user) return fail(user.error(), ctx);
  if (input->disabled.value_or(false)) {
    if (auto st = services.users.setDisabled(user->username, true, ctx.deadline); !st.ok()) {
      return fail(st.error(), ctx);
    }
    user->disabled = true;
  }
  Reply reply = http::jsonReply(201, domain::toJson(*user));
  reply.setHeader("Location", "/admin/users/" + user->username);
  return reply;
}

Reply getUser(DomainServices& services, RequestContext& ctx) {
  auto name = existingUserName(ctx);
  if (!name) return fail(name.error(), ctx);
  auto user = services.users.find(*name, ctx.deadline);
  if (!user) return fail(user.error(), ctx);
  return http::jsonReply(200, domain::toJson(*user));
}

Reply patchUser(DomainServices& services, RequestContext& ctx) {
  auto name = existingUserName(ctx);
  if (!name) return fail(name.error(), ctx);
  auto body = http::parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  auto change = domain::parseUserChange(**body);
  if (!change) return fail(change.error(), ctx);
  auto updated = services.users.update(*name, *change, ctx.deadline);
  if (!updated) return fail(updated.error(), ctx);
  Poco::JSON::Object::Ptr out = domain::toJson(updated->user);
  out->set("tokens_revoked", updated->tokens_revoked);
  return http::jsonReply(200, out);
}

Poco::JSON::Object::Ptr tokenJson(const auth::TokenSummary& token) {
  auto out = http::newObject();
  out->set("id", token.id);
  out->set("role", std::string(domain::toString(token.role)));
  out->set("created_at", common::formatIsoTime(token.created_at_ms));
  out->set("expires_at", common::formatIsoTime(token.expires_at_ms));
  out->set("last_used_at", token.last_used_ms
                               ? Poco::Dynamic::Var(common::formatIsoTime(*token.last_used_ms))
                               : Poco::Dynamic::Var());
  return out;
}

Reply listUserTokens(DomainServices& services, RequestContext& ctx) {
  auto name = knownUserName(services, ctx);
  if (!name) return fail(name.error(), ctx);
  auto tokens = services.tokens.listUser(*name, ctx.deadline);
  if (!tokens) return fail(tokens.error(), ctx);
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const auto& token : *tokens) items->add(tokenJson(token));
  auto out = http::newObject();
  out->set("username", *name);
  out->set("tokens", items);
  Reply reply = http::jsonReply(200, out);
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

Reply revokeUserTokens(DomainServices& services, RequestContext& ctx) {
  auto name = knownUserName(services, ctx);
  if (!name) return fail(name.error(), ctx);
  auto revoked = services.tokens.revokeUser(*name, ctx.deadline);
  if (!revoked) return fail(revoked.error(), ctx);
  auto out = http::newObject();
  out->set("username", *name);
  out->set("revoked", *revoked);
  return http::jsonReply(200, out);
}

Reply revokeUserToken(DomainServices& services, RequestContext& ctx) {
  auto name = knownUserName(services, ctx);
  if (!name) return fail(name.error(), ctx);
  if (auto st = services.tokens.revokeById(*name, pathParam(ctx, "id"), ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  return Reply::noContent();
}

Reply removeUser(DomainServices& services, RequestContext& ctx) {
  auto name = existingUserName(ctx);
  if (!name) return fail(name.error(), ctx);
  if (auto st = services.users.remove(*name, ctx.deadline); !st.ok()) return fail(st.error(), ctx);
  return Reply::noContent();
}

Reply setPassword(DomainServices& services, RequestContext& ctx) {
  auto name = existingUserName(ctx);
  if (!name) return fail(name.error(), ctx);
  auto body = http::parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  if (auto st = json_input::rejectUnknown(**body, {"password"}); !st.ok()) {
    return fail(st.error(), ctx);
  }
  auto password = json_input::text(**body, "password");
  if (!password) return fail(password.error(), ctx);
  if (!*password) return fail(json_input::required("password"), ctx);
  if (auto st = services.users.setPassword(*name, **password, ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  // A reset usually follows a leak: sessions opened with the old password end with it.
  if (auto st = services.tokens.revokeUser(*name, ctx.deadline); !st.ok()) {
    return fail(st.error(), ctx);
  }
  return Reply::noContent();
}

Reply mintToken(DomainServices& services, RequestContext& ctx) {
  // An empty body means "all defaults"; anything else must be a JSON object.
  Poco::JSON::Object::Ptr body = http::newObject();
  if (!ctx.body.empty()) {
    auto parsed = http::parseJsonObject(ctx);
    if (!parsed) return fail(parsed.error(), ctx);
    body = *parsed;
  }
  if (auto st = json_input::rejectUnknown(*body, {"username", "role", "ttl_s"}); !st.ok()) {
    return fail(st.error(), ctx);
  }
  auto username = json_input::text(*body, "username");
  if (!username) return fail(username.error(), ctx);
  std::string name = username->value_or(kDefaultTokenUser);
  if (auto st = domain::validateUsername(name); !st.ok()) return fail(st.error(), ctx);
  auto role_text = json_input::text(*body, "role");
  if (!role_text) return fail(role_text.error(), ctx);
  auto role = domain::parseRole(role_text->value_or("viewer"));
  if (!role) return fail(Error::invalid("role", "must be one of admin, viewer"), ctx);
  auto ttl = boundedInt(*body, "ttl_s", 1, kMaxTokenTtlS);
  if (!ttl) return fail(ttl.error(), ctx);

  int64_t ttl_s = ttl->value_or(kDefaultTokenTtlS);
  auto issued = services.tokens.issue(name, *role, ttl_s, ctx.deadline);
  if (!issued && issued.error().code == ErrorCode::kNotFound) {
    auto created = services.users.create(name, auth::randomPassword(kMintedUserPasswordLength),
                                         *role, ctx.deadline);
    // A concurrent mint may have created the user first; either way it exists now.
    if (!created && created.error().code != ErrorCode::kConflict) {
      return fail(created.error(), ctx);
    }
    issued = services.tokens.issue(name, *role, ttl_s, ctx.deadline);
  }
  if (!issued) return fail(issued.error(), ctx);

  auto out = http::newObject();
  out->set("token", issued->token);
  out->set("expires_at", common::formatIsoTime(issued->expires_at_ms));
  out->set("role", std::string(domain::toString(*role)));
  out->set("username", name);
  Reply reply = http::jsonReply(201, out);
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

Reply poolStats(DomainServices& services, RequestContext&) {
  return http::jsonReply(200, poolToJson(services.store));
}

Reply faults(DomainServices& services, RequestContext&) {
  return http::jsonReply(200, services.store.faults().toJson());
}

Reply setFaults(DomainServices& services, RequestContext& ctx) {
  auto body = http::parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  if (auto st = json_input::rejectUnknown(**body, {"delay_ms", "error_rate"}); !st.ok()) {
    return fail(st.error(), ctx);
  }
  auto delay = boundedInt(**body, "delay_ms", 0, kMaxFaultDelayMs);
  if (!delay) return fail(delay.error(), ctx);
  auto rate = boundedNumber(**body, "error_rate", 0.0, 1.0);
  if (!rate) return fail(rate.error(), ctx);
  store::FaultInjector& injector = services.store.faults();
  store::FaultInjector::Settings settings = injector.settings();
  settings.delay_ms = delay->value_or(settings.delay_ms);
  settings.error_rate = rate->value_or(settings.error_rate);
  injector.set(settings);
  return http::jsonReply(200, injector.toJson());
}

Reply clearFaults(DomainServices& services, RequestContext&) {
  services.store.faults().clear();
  return http::jsonReply(200, services.store.faults().toJson());
}

// Normalised absolute form, for comparing a target with the live database's files.
std::string absolute(const std::string& path) { return Poco::Path(path).makeAbsolute().toString(); }

Reply backup(DomainServices& services, RequestContext& ctx) {
  // Before the path is looked at: no path makes a copy of a PostgreSQL server.
  if (services.store.options().backend == store::StoreBackend::kPostgresql) {
    return fail(Error::badRequest(store::kBackupOnPostgresql), ctx);
  }
  auto body = http::parseJsonObject(ctx);
  if (!body) return fail(body.error(), ctx);
  if (auto st = json_input::rejectUnknown(**body, {"path", "overwrite"}); !st.ok()) {
    return fail(st.error(), ctx);
  }
  auto path_field = json_input::text(**body, "path");
  if (!path_field) return fail(path_field.error(), ctx);
  if (!*path_field) return fail(json_input::required("path"), ctx);
  auto overwrite = json_input::boolean(**body, "overwrite");
  if (!overwrite) return fail(overwrite.error(), ctx);
  const std::string& path = **path_field;

  // An embedded NUL would silently cut the name short at the C API.
  if (path.find('\0') != std::string::npos) {
    return fail(Error::invalid("path", "must not contain NUL characters"), ctx);
  }
  bool is_absolute = false;
  try {
    Poco::Path parsed(path);
    is_absolute = parsed.isAbsolute() && parsed.isFile();
  } catch (const Poco::Exception&) {
    is_absolute = false;
  }
  if (!is_absolute) {
    return fail(Error::invalid("path", "must be an absolute file path, got '" + path + "'"), ctx);
  }
  const std::string live = absolute(services.store.options().path);
  const std::string target = absolute(path);
  if (target == live || target == live + "-wal" || target == live + "-shm") {
    return fail(Error::conflict("'" + path + "' is the live database"), ctx);
  }
  try {
    Poco::File parent(Poco::Path(path).parent());
    if (!parent.exists() || !parent.isDirectory()) {
      return fail(Error::invalid("path", "directory " + parent.path() + " does not exist"), ctx);
    }
    Poco::File file(path);
    if (file.exists()) {
      if (file.isDirectory()) return fail(Error::invalid("path", path + " is a directory"), ctx);
      if (!overwrite->value_or(false)) {
        return fail(
            Error::conflict(path + " exists; pass \"overwrite\":true (controlcenterctl backup "
                                   "--force) to replace it"),
            ctx);
      }
    }
  } catch (const Poco::Exception& e) {
    return fail(Error::invalid("path", "cannot inspect " + path + ": " + e.displayText()), ctx);
  }

  if (auto st = services.store.backup(path, ctx.deadline); !st.ok()) return fail(st.error(), ctx);
  Poco::File::FileSize bytes = 0;
  try {
    bytes = Poco::File(path).getSize();
  } catch (const Poco::Exception& e) {
    return fail(Error::unavailable(ErrorCode::kDependencyUnavailable,
                                   "backup written but unreadable: " + e.displayText()),
                ctx);
  }
  auto out = http::newObject();
  out->set("path", path);
  out->set("bytes", static_cast<uint64_t>(bytes));
  return http::jsonReply(200, out);
}

}  // namespace

Poco::JSON::Object::Ptr poolToJson(const store::Store& store) {
  Poco::JSON::Object::Ptr out = store.poolStats().toJson();
  out->set("writer", store.commitStats().toJson());
  out->set("checkpoints", store.checkpointStats().toJson());
  return out;
}

void addStoreAdminRoutes(http::Router& router, DomainServices& services) {
  http::RouteOptions reads;
  reads.uses_store = true;
  http::RouteOptions writes = reads;
  writes.writes = true;
  http::RouteOptions memory_reads;
  http::RouteOptions memory_writes;
  memory_writes.writes = true;
  http::RouteOptions long_write = writes;
  long_write.timeout_ms = kBackupTimeoutMs;

  router.add("GET", "/admin/users", bindServices(services, listUsers), reads);
  router.add("POST", "/admin/users", bindServices(services, createUser), writes);
  router.add("GET", "/admin/users/{name}", bindServices(services, getUser), reads);
  router.add("PATCH", "/admin/users/{name}", bindServices(services, patchUser), writes);
  router.add("DELETE", "/admin/users/{name}", bindServices(services, removeUser), writes);
  router.add("GET", "/admin/users/{name}/tokens", bindServices(services, listUserTokens), reads);
  router.add("DELETE", "/admin/users/{name}/tokens", bindServices(services, revokeUserTokens),
             writes);
  router.add("DELETE", "/admin/users/{name}/tokens/{id}", bindServices(services, revokeUserToken),
             writes);
  router.add("POST", "/admin/users/{name}/password", bindServices(services, setPassword), writes);
  router.add("POST", "/admin/tokens", bindServices(services, mintToken), writes);
  router.add("GET", "/admin/pool", bindServices(services, poolStats), memory_reads);
  router.add("GET", "/admin/faults", bindServices(services, faults), memory_reads);
  router.add("PUT", "/admin/faults/db", bindServices(services, setFaults), memory_writes);
  router.add("DELETE", "/admin/faults/db", bindServices(services, clearFaults), memory_writes);
  router.add("POST", "/admin/backup", bindServices(services, backup), long_write);
}

}  // namespace cc::admin
