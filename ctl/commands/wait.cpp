#include <algorithm>

#include "client/duration.h"
#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::ExitCode;
using client::Reply;

namespace {

constexpr std::chrono::milliseconds kWaitPollInterval{100};
constexpr std::chrono::milliseconds kDefaultWaitTimeout{60000};
// The least a poll gets to answer in, even at the deadline: the wait may overrun by this much.
constexpr std::chrono::milliseconds kMinPollTimeout{500};

// Why a poll did not pass, for the message when the wait gives up.
std::string whyNotServing(const Reply& reply) {
  const std::string status = client::text(reply.object(), "status");
  if (!status.empty()) return "status " + status + " (HTTP " + std::to_string(reply.status) + ")";
  if (reply.status == 0) return reply.problem;
  return "HTTP " + std::to_string(reply.status) + " without a health status";
}

}  // namespace

int runWait(Context& ctx, const Invocation& inv) {
  const std::string condition = inv.value("for", "ready");
  const std::string path = "/health/" + condition;
  const auto timeout = inv.duration("timeout", kDefaultWaitTimeout);
  const auto started = ctx.clock().now();
  const auto deadline = started + timeout;
  const client::ApiClient& api = ctx.publicApi();
  int polls = 0;
  std::string last;
  for (;;) {
    ++polls;
    // A poll outlasts the wait by kMinPollTimeout at most: its request timeout is what is left.
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - ctx.clock().now());
    const auto request_timeout = std::min(api.http().timeout(), std::max(left, kMinPollTimeout));
    client::ApiClient poller(client::HttpClient(api.http().endpoint(), request_timeout),
                             api.identity());
    Reply reply = poller.get(path);
    if (client::healthServes(reply)) {
      const double waited_ms =
          std::chrono::duration<double, std::milli>(ctx.clock().now() - started).count();
      if (ctx.json()) {
        auto out = client::orderedObject();
        out->set("condition", condition);
        out->set("status", client::text(reply.object(), "status"));
        out->set("waited_ms", waited_ms);
        out->set("polls", polls);
        return ctx.printJson(out);
      }
      ctx.out() << "controlcenterd is " << condition << " ("
                << client::text(reply.object(), "status") << ") after "
                << client::humanMillis(waited_ms) << ", " << polls
                << (polls == 1 ? " poll" : " polls") << "\n";
      return 0;
    }
    // Refused while the daemon starts, 503 while it primes: not yet, poll again.
    last = whyNotServing(reply);
    const auto now = ctx.clock().now();
    if (now >= deadline) break;
    ctx.sleep(std::min(kWaitPollInterval,
                       std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
  }
  return ctx.fail(ExitCode::kTimeout, "controlcenterd was not " + condition + " within " +
                                          client::formatDuration(timeout) + " (" +
                                          std::to_string(polls) + " polls of " + api.describe() +
                                          " GET " + path + "); last: " + last);
}

}  // namespace cc::ctl
