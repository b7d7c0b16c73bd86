#include "client/json_fields.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

int runLogLevel(Context& ctx, const Invocation& inv) {
  client::Reply reply;
  if (inv.args.empty()) {
    reply = ctx.adminApi().get("/admin/log-level");
  } else {
    auto body = client::orderedObject();
    body->set("level", inv.args[0]);
    reply = ctx.adminApi().call("PUT", "/admin/log-level", body);
  }
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  ctx.out() << client::text(reply.object(), "level") << "\n";
  return 0;
}

}  // namespace cc::ctl
