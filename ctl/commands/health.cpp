#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::Align;
using client::child;
using client::ExitCode;
using client::humanSeconds;
using client::number;
using client::printFields;
using client::Reply;
using client::Table;
using client::text;
using client::toInt;

int runHealth(Context& ctx, const Invocation& inv) {
  const std::string path = inv.has("ready")  ? "/health/ready"
                           : inv.has("live") ? "/health/live"
                                             : "/health";
  Reply reply = ctx.publicApi().get(path);
  auto health = reply.object();
  const std::string status = text(health, "status");
  // 503 with a health document is an answer ("fail"), not an error.
  if (status.empty()) {
    if (!reply.ok()) return ctx.fail(reply);
    return ctx.fail(ExitCode::kFailure, ctx.publicApi().describe() + " answered GET " + path +
                                            " without a health status; is it controlcenterd?");
  }
  if (ctx.json()) {
    ctx.printJson(reply.json);
  } else {
    printFields(ctx.out(),
                {{"status", status},
                 {"version", text(health, "version")},
                 {"uptime", humanSeconds(number(health, "uptime_s"))}},
                ctx.colour());
    auto checks = child(health, "checks");
    if (checks->size() > 0) {
      ctx.out() << "\n";
      Table table({{"CHECK"}, {"STATUS", Align::kLeft, true}, {"OUTPUT"}});
      for (const auto& name : checks->getNames()) {
        auto check = child(checks, name);
        table.addRow({name, text(check, "status"), text(check, "output")});
      }
      table.render(ctx.out(), ctx.colour());
    }
  }
  return toInt(status == "pass" ? ExitCode::kOk : ExitCode::kFailure);
}

}  // namespace cc::ctl
