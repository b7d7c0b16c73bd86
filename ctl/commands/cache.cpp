#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::Align;
using client::integer;
using client::Reply;
using client::Table;
using client::text;

namespace {

std::string hitRate(const Poco::JSON::Object::Ptr& counters) {
  const int64_t hits = integer(counters, "hits");
  const int64_t lookups = hits + integer(counters, "misses");
  if (lookups == 0) return "-";
  return client::formatNumber(100.0 * static_cast<double>(hits) / static_cast<double>(lookups), 1) +
         "%";
}

}  // namespace

int runCacheShow(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/cache");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto body = reply.object();
  client::printFields(ctx.out(),
                      {{"entries", text(body, "entries")},
                       {"size", client::humanBytes(static_cast<uint64_t>(integer(body, "bytes")))},
                       {"hits", text(body, "hits") + " (" + hitRate(body) + ")"},
                       {"misses", text(body, "misses")},
                       {"coalesced", text(body, "coalesced")},
                       {"evictions", text(body, "evictions")}},
                      ctx.colour());
  auto rules = client::list(body, "rules");
  if (rules->size() == 0) return 0;
  ctx.out() << "\n";
  Table table({{"RULE"},
               {"PATHS"},
               {"TTL", Align::kRight},
               {"HITS", Align::kRight},
               {"MISSES", Align::kRight},
               {"COALESCED", Align::kRight},
               {"HIT RATE", Align::kRight}});
  for (std::size_t i = 0; i < rules->size(); ++i) {
    auto rule = client::itemAt(rules, i);
    table.addRow({text(rule, "name"), text(rule, "paths"),
                  client::humanMillis(client::number(rule, "ttl_ms")), text(rule, "hits"),
                  text(rule, "misses"), text(rule, "coalesced"), hitRate(rule)});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

int runCacheFlush(Context& ctx, const Invocation& inv) {
  std::string target = "/admin/cache";
  if (inv.has("prefix")) {
    target += "?prefix=" + client::encodeComponent(inv.value("prefix"));
  }
  Reply reply = ctx.adminApi().call("DELETE", target);
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  const int64_t flushed = integer(reply.object(), "flushed");
  ctx.out() << "flushed " << flushed << (flushed == 1 ? " entry" : " entries")
            << (inv.has("prefix") ? " under " + inv.value("prefix") : std::string()) << "\n";
  return 0;
}

}  // namespace cc::ctl
