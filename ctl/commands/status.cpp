#include <utility>

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

namespace {

// "3 total: capacity 2, per_client 1", or "0": the reasons that happened, in the daemon's order.
std::string countsByReason(const Poco::JSON::Object::Ptr& reasons) {
  int64_t total = 0;
  std::string detail;
  for (const auto& name : reasons->getNames()) {
    const int64_t count = client::integer(reasons, name);
    if (count == 0) continue;
    total += count;
    detail += (detail.empty() ? "" : ", ") + name + " " + std::to_string(count);
  }
  return detail.empty() ? "0" : std::to_string(total) + " total: " + detail;
}

}  // namespace

int runStatus(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/status");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto status = reply.object();
  auto listeners = child(status, "listeners");
  auto http = child(status, "http");
  auto ws = child(status, "websockets");
  auto ws_open = child(ws, "connections");
  const std::string config_file = text(status, "config_file");
  std::vector<std::pair<std::string, std::string>> fields = {
      {"version", text(status, "version")},
      {"pid", text(status, "pid")},
      {"started", text(status, "started_at")},
      {"uptime", humanSeconds(number(status, "uptime_s"))},
      {"config file", config_file.empty() ? "(none)" : config_file},
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
      {"requests", text(http, "requests_total") + " total, " + text(http, "inflight") +
                       " in flight, " + text(http, "slow_readers_closed") +
                       " closed as slow readers"}};
  if (ws->size() > 0) {
    fields.push_back(
        {"websockets",
         std::to_string(client::integer(ws_open, "metrics") + client::integer(ws_open, "ws")) +
             " open (" + text(ws_open, "metrics") + " metrics, " + text(ws_open, "ws") + " ws), " +
             text(ws, "accepted_total") + " accepted"});
    fields.push_back({"ws refused", countsByReason(child(ws, "refused"))});
    fields.push_back({"ws closed", countsByReason(child(ws, "closed"))});
  }
  // Absent from a daemon older than the descriptor budget.
  if (auto descriptors = child(child(status, "overload"), "descriptors"); descriptors->size() > 0) {
    const std::string limit = text(descriptors, "limit");
    fields.push_back({"descriptors", "limit " + (limit.empty() ? "none" : limit) + ", needs " +
                                         text(descriptors, "needed") + "; " +
                                         text(descriptors, "refused") + " answered overloaded, " +
                                         text(descriptors, "idle_closed") + " idle closed, " +
                                         text(descriptors, "accept_failures") +
                                         " accept failures"});
  }
  for (const auto& [key, label] : {std::pair{"request_memory", "request memory"},
                                   std::pair{"response_memory", "response memory"}}) {
    if (auto memory = child(child(status, "overload"), key); memory->size() > 0) {
      fields.push_back({label, text(memory, "held") + " of " + text(memory, "limit") +
                                   " bytes held; " + text(memory, "refused") +
                                   " answered overloaded"});
    }
  }
  // Where shared state lives: "redis" is null while it is all in this process (absent from a
  // daemon older than the Redis backend).
  if (status->has("redis")) {
    auto redis = child(status, "redis");
    if (redis->size() == 0) {
      fields.push_back({"rate limits", "local (this daemon's own buckets)"});
    } else {
      auto limits = child(redis, "ratelimit");
      fields.push_back(
          {"rate limits", "redis " + text(redis, "url") + ", " + text(limits, "state") +
                              " (on failure: " + text(limits, "failure_mode") + "); " +
                              text(limits, "decisions") + " decided by Redis, " +
                              text(limits, "cached_rejections") + " rejected from cache, " +
                              text(limits, "fallbacks") + " fallbacks"});
      const std::string last_error = text(redis, "last_error");
      fields.push_back({"redis pool", text(redis, "state") + ", " + text(redis, "in_use") +
                                          " in use, " + text(redis, "idle") + " idle of " +
                                          text(redis, "max") + "; " + text(redis, "failures") +
                                          " failures, " + text(redis, "discards") + " discards" +
                                          (last_error.empty() ? "" : "; last: " + last_error)});
    }
  }
  // The bus: absent from a daemon older than it.
  if (auto bus = child(status, "bus"); bus->size() > 0) {
    if (text(bus, "backend") != "redis") {
      fields.push_back({"bus", "local (revocations, invalidations and events stay here)"});
    } else {
      const std::string last_error = text(bus, "last_error");
      fields.push_back({"bus", "redis " + text(bus, "url") + " " + text(bus, "channel") + ", " +
                                   text(bus, "state") + " since " + text(bus, "since") + "; " +
                                   text(bus, "published") + " published, " + text(bus, "received") +
                                   " received, " + text(bus, "publish_failures") + " failed, " +
                                   text(bus, "dropped") + " dropped, " + text(bus, "resyncs") +
                                   " resyncs" +
                                   (last_error.empty() ? "" : "; last: " + last_error)});
    }
  }
  printFields(ctx.out(), fields, ctx.colour());
  return 0;
}

}  // namespace cc::ctl
