#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::ExitCode;
using client::humanMillis;
using client::Reply;

namespace {

constexpr std::chrono::milliseconds kPollInterval{100};

double millisBetween(common::SteadyTime from, common::SteadyTime to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

int runRestart(Context& ctx, const Invocation& inv) {
  Reply reply = ctx.adminApi().call("POST", "/admin/restart");
  if (!reply.ok()) return ctx.fail(reply);
  if (!inv.has("wait")) {
    if (ctx.json()) return ctx.printJson(reply.json);
    ctx.out() << "restart requested\n";
    return 0;
  }

  // The old process may keep answering for a moment: a ready answer counts only once we saw the
  // daemon unavailable, or its uptime says it started after our request.
  const auto requested = ctx.clock().now();
  const auto deadline = requested + std::chrono::seconds(inv.integer("wait-timeout", 60));
  std::optional<common::SteadyTime> first_down;
  std::optional<common::SteadyTime> back;
  int polls = 0;
  while (ctx.clock().now() < deadline) {
    ++polls;
    const auto at = ctx.clock().now();
    Reply ready = ctx.publicApi().get("/health/ready");
    if (!client::healthServes(ready)) {
      if (!first_down) first_down = at;
    } else {
      const double uptime_ms = client::number(ready.object(), "uptime_s", -1) * 1000.0;
      const bool new_instance =
          first_down.has_value() || (uptime_ms >= 0 && uptime_ms <= millisBetween(requested, at));
      if (new_instance) {
        back = at;
        break;
      }
    }
    ctx.sleep(kPollInterval);
  }
  if (!back) {
    return ctx.fail(ExitCode::kFailure, "controlcenterd was not ready again within " +
                                            std::to_string(inv.integer("wait-timeout", 60)) +
                                            " s; check its log (journalctl -u controlcenterd) and "
                                            "controlcenterctl health");
  }
  const double waited_ms = millisBetween(requested, *back);
  const double gap_ms = first_down ? millisBetween(*first_down, *back) : 0.0;
  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("status", "ready");
    out->set("waited_ms", waited_ms);
    out->set("unavailable_ms", gap_ms);
    out->set("polls", polls);
    out->set("poll_interval_ms", static_cast<int>(kPollInterval.count()));
    return ctx.printJson(out);
  }
  ctx.out() << "controlcenterd is ready again after " << humanMillis(waited_ms) << "\n";
  if (first_down) {
    ctx.out() << "unavailable for about " << humanMillis(gap_ms) << " (polled every "
              << kPollInterval.count() << " ms)\n";
  } else {
    ctx.out() << "never seen unavailable (polled every " << kPollInterval.count() << " ms)\n";
  }
  return 0;
}

}  // namespace cc::ctl
