#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

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
  auto writer = client::child(pool, "writer");
  if (writer->size() > 0) {
    const double batches = client::number(writer, "batches_total");
    const std::string per_commit =
        batches > 0 ? client::formatNumber(client::number(writer, "writes_total") / batches, 1)
                    : "-";
    ctx.out() << "\n";
    client::printFields(
        ctx.out(),
        {{"commits",
          text(writer, "batches_total") + " (" + text(writer, "failed_batches_total") + " lost)"},
         {"writes", text(writer, "writes_total") + " (" + per_commit + " a commit, at most " +
                        text(writer, "largest_batch") + ")"},
         {"write queue", text(writer, "queued") + " waiting, " +
                             text(writer, "queue_timeouts_total") + " gave up"},
         {"writer opens", text(writer, "writer_opens_total")}},
        ctx.colour());
  }
  auto checkpoints = client::child(pool, "checkpoints");
  if (checkpoints->size() > 0) {
    std::vector<std::pair<std::string, std::string>> rows = {
        {"log pages", text(checkpoints, "wal_pages")},
        {"checkpoints", text(checkpoints, "checkpoints_total") + " (" +
                            text(checkpoints, "backstop_total") + " by the writer, " +
                            text(checkpoints, "failures_total") + " failed)"}};
    const std::string error = text(checkpoints, "last_error");
    if (!error.empty()) rows.emplace_back("checkpoint error", error);
    ctx.out() << "\n";
    client::printFields(ctx.out(), rows, ctx.colour());
  }
  // Cumulative counts by upper bound in milliseconds ("+Inf" last); each row shows the
  // acquisitions that waited at most that long.
  auto buckets = client::child(wait, "buckets");
  std::vector<std::pair<double, std::string>> bounds;
  std::vector<std::string> names;
  buckets->getNames(names);
  for (const auto& le : names) {
    if (le == "+Inf") {
      bounds.emplace_back(std::numeric_limits<double>::infinity(), le);
      continue;
    }
    try {
      bounds.emplace_back(std::stod(le), le);
    } catch (const std::exception&) {
      // not a bound: a newer daemon's extra field
    }
  }
  if (bounds.empty()) return 0;
  std::sort(bounds.begin(), bounds.end());
  ctx.out() << "\n";
  Table table({{"WAIT <=", Align::kRight}, {"ACQUISITIONS", Align::kRight}});
  for (const auto& [ms, le] : bounds) {
    table.addRow({std::isinf(ms) ? "+Inf" : client::humanMillis(ms), text(buckets, le)});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

}  // namespace cc::ctl
