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

int runPool(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/pool");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto pool = reply.object();
  auto wait = client::child(pool, "wait_ms");
  const double waits = client::number(wait, "count");
  const std::string mean =
      waits > 0 ? client::humanMillis(client::number(wait, "sum") / waits) : "-";
  client::printFields(ctx.out(),
                      {{"size", text(pool, "size") + " (min " + text(pool, "min") + ", max " +
                                    text(pool, "max") + ")"},
                       {"in use", text(pool, "in_use")},
                       {"idle", text(pool, "idle")},
                       {"waiting", text(pool, "waiting")},
                       {"acquired", text(pool, "acquired_total")},
                       {"timeouts", text(pool, "timeouts_total")},
                       {"mean wait", mean + " over " + text(wait, "count") + " acquisitions"}},
                      ctx.colour());
  auto buckets = client::list(wait, "buckets");
  if (buckets->size() == 0) return 0;
  ctx.out() << "\n";
  Table table({{"WAIT <=", Align::kRight}, {"ACQUISITIONS", Align::kRight}});
  for (std::size_t i = 0; i < buckets->size(); ++i) {
    auto bucket = client::itemAt(buckets, i);
    const std::string le = text(bucket, "le");
    const bool infinite = le == "+Inf" || le == "inf" || le.empty();
    table.addRow({infinite ? "+Inf" : client::humanMillis(client::number(bucket, "le")),
                  text(bucket, "count")});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

}  // namespace cc::ctl
