#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::ExitCode;
using client::Reply;

namespace {

// The database faults in force, as `fault show` and `fault db` both print them.
void printDbFaults(Context& ctx, const Poco::JSON::Object::Ptr& db) {
  const double delay = client::number(db, "delay_ms");
  const double rate = client::number(db, "error_rate");
  client::printFields(
      ctx.out(),
      {{"db delay", delay > 0 ? client::humanMillis(delay) : "none"},
       {"db error rate", rate > 0 ? client::formatNumber(rate * 100, 2) + "%" : "none"},
       {"db injected errors", client::text(db, "injected_errors_total")}},
      ctx.colour());
}

}  // namespace

int runFaultShow(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/faults");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  printDbFaults(ctx, client::child(reply.object(), "db"));
  return 0;
}

int runFaultDb(Context& ctx, const Invocation& inv) {
  if (!inv.has("delay-ms") && !inv.has("error-rate")) {
    return ctx.fail(ExitCode::kUsage,
                    "'fault db' needs --delay-ms N and/or --error-rate X; 'fault clear' removes "
                    "faults");
  }
  const int64_t delay = inv.integer("delay-ms", 0);
  const double rate = inv.real("error-rate", 0);
  if (delay < 0) return ctx.fail(ExitCode::kUsage, "--delay-ms must be 0 or more");
  if (rate < 0 || rate > 1) {
    return ctx.fail(ExitCode::kUsage, "--error-rate is a fraction from 0 to 1 (0.05 = 5%)");
  }
  auto body = client::orderedObject();
  if (inv.has("delay-ms")) body->set("delay_ms", delay);
  if (inv.has("error-rate")) body->set("error_rate", rate);
  Reply reply = ctx.adminApi().call("PUT", "/admin/faults/db", body);
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json())
    return ctx.printJson(reply.json.isEmpty() ? Poco::Dynamic::Var(body) : reply.json);
  // The daemon answers with the whole resulting state: a field set earlier still applies.
  printDbFaults(ctx, client::child(reply.object(), "db"));
  return 0;
}

int runFaultClear(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().call("DELETE", "/admin/faults/db");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("cleared", true);
    return ctx.printJson(out);
  }
  ctx.out() << "database faults cleared\n";
  return 0;
}

}  // namespace cc::ctl
