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
  Reply reply = ctx.adminApi().call(
      "POST", "/admin/users/" + client::encodeComponent(name) + "/password", body);
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "password_changed", name, "changed the password of " + name);
}

int runUserDel(Context& ctx, const Invocation& inv) {
  const std::string& name = inv.args[0];
  Reply reply = ctx.adminApi().call("DELETE", "/admin/users/" + client::encodeComponent(name));
  if (!reply.ok()) return ctx.fail(reply);
  return printDone(ctx, reply, "deleted", name, "deleted user " + name);
}

}  // namespace cc::ctl
