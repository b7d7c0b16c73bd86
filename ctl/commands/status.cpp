#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::child;
using client::flag;
using client::humanSeconds;
using client::number;
using client::printFields;
using client::Reply;
using client::text;

int runStatus(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/status");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto status = reply.object();
  auto listeners = child(status, "listeners");
  auto http = child(status, "http");
  printFields(
      ctx.out(),
      {{"version", text(status, "version")},
       {"pid", text(status, "pid")},
       {"started", text(status, "started_at")},
       {"uptime", humanSeconds(number(status, "uptime_s"))},
       {"config file", text(status, "config_file")},
       {"log level", text(status, "log_level")},
       {"state", flag(status, "draining") ? "draining" : "ok"},
       {"http listener", text(listeners, "http")},
       {"admin listener", text(listeners, "admin")},
       {"threads busy", text(http, "threads_busy") + " of " + text(http, "threads_max")},
       {"connections", text(http, "connections_current") + " active, " +
                           text(http, "connections_idle") + " idle, " +
                           text(http, "connections_queued") + " queued, " +
                           text(http, "connections_total") + " total"},
       {"refused", text(http, "connections_refused") + " queue full, " +
                       text(http, "connections_refused_per_client") +
                       " over the per-client cap of " + text(http, "max_connections_per_client")},
       {"requests",
        text(http, "requests_total") + " total, " + text(http, "inflight") + " in flight"}},
      ctx.colour());
  return 0;
}

}  // namespace cc::ctl
