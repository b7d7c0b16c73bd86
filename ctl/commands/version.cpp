#include "client/json_fields.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

int runVersion(Context& ctx, const Invocation&) {
  client::Reply reply = ctx.publicApi().get("/health");
  const std::string daemon = client::text(reply.object(), "version");
  // A 503 health answer still names the version; only no answer at all is a failure.
  if (daemon.empty() && !reply.ok()) {
    if (!ctx.json()) ctx.out() << "controlcenterctl " << CC_VERSION << "\n";
    return ctx.fail(reply);
  }
  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("ctl", CC_VERSION);
    out->set("daemon", daemon);
    return ctx.printJson(out);
  }
  ctx.out() << "controlcenterctl " << CC_VERSION << "\ncontrolcenterd   " << daemon << "\n";
  return 0;
}

}  // namespace cc::ctl
