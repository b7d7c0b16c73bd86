#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::Align;
using client::Reply;
using client::Table;
using client::text;

int runBreakers(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/breakers");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto breakers = client::list(reply.object(), "breakers");
  if (breakers->size() == 0) {
    ctx.out() << "no circuit breakers\n";
    return 0;
  }
  Table table({{"BREAKER"},
               {"STATE", Align::kLeft, true},
               {"FAILURES", Align::kRight},
               {"SUCCESSES", Align::kRight},
               {"REJECTIONS", Align::kRight},
               {"OPENED", Align::kRight},
               {"SINCE"}});
  for (std::size_t i = 0; i < breakers->size(); ++i) {
    auto breaker = client::itemAt(breakers, i);
    table.addRow({text(breaker, "name"), text(breaker, "state"), text(breaker, "failures"),
                  text(breaker, "successes"), text(breaker, "rejections"),
                  text(breaker, "opened_total"), text(breaker, "since")});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

}  // namespace cc::ctl
