#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::ExitCode;
using client::Reply;
using client::text;

namespace {

// Answers without a body (204) still print one JSON document under -o json.
int printDone(Context& ctx, const Reply& reply, const std::string& what, const std::string& name,
              const std::string& message) {
  if (ctx.json()) {
    if (!reply.json.isEmpty()) return ctx.printJson(reply.json);
    auto out = client::orderedObject();
    out->set("username", name);
    out->set(what, true);
    return ctx.printJson(out);
  }
  ctx.out() << message << "\n";
  return 0;
}

// Reads a new password; 0 when `password` is set, else the usage exit code (reported).
int readNewPassword(Context& ctx, const std::string& prompt, std::string& password) {
  std::string problem;
  auto entered = ctx.readPassword(prompt, true, problem);
  if (!entered) return ctx.fail(ExitCode::kUsage, problem);
  if (entered->empty()) return ctx.fail(ExitCode::kUsage, "the password is empty");
  password = *entered;
  return 0;
}

std::string userPath(const std::string& name) {
  return "/admin/users/" + client::encodeComponent(name);
}

// "", or " (revoked 2 tokens)" when the change revoked any.
std::string revokedNote(const Reply& reply) {
  int64_t revoked = client::integer(reply.object(), "tokens_revoked");
  if (revoked == 0) return "";
  return " (revoked " + std::to_string(revoked) + (revoked == 1 ? " token)" : " tokens)");
}

int sendUserPatch(Context& ctx, const std::string& name, const Poco::JSON::Object::Ptr& body,
                  const std::string& message) {
  Reply reply = ctx.adminApi().call("PATCH", userPath(name), body);
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  ctx.out() << message << revokedNote(reply) << "\n";
  return 0;
}

int setUserDisabled(Context& ctx, const std::string& name, bool disabled) {
  auto body = client::orderedObject();
  body->set("disabled", disabled);
  return sendUserPatch(ctx, name, body, (disabled ? "disabled user " : "enabled user ") + name);
}

// An absent time (a token not used since the daemon started) shows as "-".
std::string timeOrDash(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  std::string value = text(object, key);
  return value.empty() ? "-" : value;
}

}  // namespace

int runUserList(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/users");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto users = client::list(reply.object(), "users");
  client::Table table({{"USER"}, {"ROLE"}, {"CREATED"}, {"STATE", client::Align::kLeft, true}});
  for (std::size_t i = 0; i < users->size(); ++i) {
    auto user = client::itemAt(users, i);
    table.addRow({text(user, "username"), text(user, "role"), text(user, "created_at"),
                  client::flag(user, "disabled") ? "disabled" : "active"});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

int runUserAdd(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  std::string password;
  if (int rc = readNewPassword(ctx, "Password for " + name, password); rc != 0) return rc;
  auto body = client::orderedObject();
  body->set("username", name);
  body->set("password", password);
  body->set("role", inv.value("role"));
  Reply reply = ctx.adminApi().call("POST", "/admin/users", body);
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "created", name,
                   "added user " + name + " (" + inv.value("role") + ")");
}

int runUserPasswd(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  std::string password;
  if (int rc = readNewPassword(ctx, "New password for " + name, password); rc != 0) return rc;
  auto body = client::orderedObject();
  body->set("password", password);
  Reply reply = ctx.adminApi().call("POST", userPath(name) + "/password", body);
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "password_changed", name, "changed the password of " + name);
}

int runUserDel(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  Reply reply = ctx.adminApi().call("DELETE", userPath(name));
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "deleted", name, "deleted user " + name);
}

int runUserDisable(Context& ctx, const Invocation& inv) {
  return setUserDisabled(ctx, inv.args[0], true);
}

int runUserEnable(Context& ctx, const Invocation& inv) {
  return setUserDisabled(ctx, inv.args[0], false);
}

int runUserRole(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  const std::string& role = inv.args[1];
  if (role != "admin" && role != "viewer") {
    return ctx.fail(ExitCode::kUsage, "ROLE must be one of admin, viewer, got '" + role + "'");
  }
  auto body = client::orderedObject();
  body->set("role", role);
  return sendUserPatch(ctx, name, body, "user " + name + " is now " + role);
}

int runUserTokens(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  Reply reply = ctx.adminApi().get(userPath(name) + "/tokens");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto tokens = client::list(reply.object(), "tokens");
  if (tokens->size() == 0) {
    ctx.out() << "user " << name << " has no live tokens\n";
    return 0;
  }
  client::Table table({{"ID"}, {"ROLE"}, {"CREATED"}, {"EXPIRES"}, {"LAST USED"}});
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    auto token = client::itemAt(tokens, i);
    table.addRow({text(token, "id"), text(token, "role"), text(token, "created_at"),
                  text(token, "expires_at"), timeOrDash(token, "last_used_at")});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

int runUserRevoke(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  const bool all = inv.has("all");
  if (all == (inv.args.size() == 2)) {
    return ctx.fail(ExitCode::kUsage, "'user revoke' needs either a TOKEN_ID or --all");
  }
  if (all) {
    Reply reply = ctx.adminApi().call("DELETE", userPath(name) + "/tokens");
    if (!reply.ok()) return ctx.fail(reply);
    if (ctx.json()) return ctx.printJson(reply.json);
    int64_t revoked = client::integer(reply.object(), "revoked");
    ctx.out() << "revoked " << revoked << (revoked == 1 ? " token" : " tokens") << " of " << name
              << "\n";
    return 0;
  }
  const std::string& id = inv.args[1];
  Reply reply =
      ctx.adminApi().call("DELETE", userPath(name) + "/tokens/" + client::encodeComponent(id));
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "revoked", name, "revoked token " + id + " of " + name);
}

}  // namespace cc::ctl
