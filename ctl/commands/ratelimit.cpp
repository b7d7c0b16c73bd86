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

namespace {

// The daemon sends a rule's rate as it was configured ("5/m"); a bare number is per second.
std::string rateText(const Poco::JSON::Object::Ptr& rule) {
  std::string rate = text(rule, "rate");
  if (!rate.empty() && rate.find('/') == std::string::npos) rate += "/s";
  return rate;
}

}  // namespace

int runRatelimitShow(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().get("/admin/ratelimit");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto body = reply.object();
  client::printFields(ctx.out(),
                      {{"enabled", client::flag(body, "enabled") ? "yes" : "disabled"},
                       {"mode", text(body, "mode")}},
                      ctx.colour());
  auto rules = client::list(body, "rules");
  if (rules->size() == 0) {
    ctx.out() << "\nno rules configured\n";
    return 0;
  }
  ctx.out() << "\n";
  Table table({{"RULE"},
               {"PATHS"},
               {"METHODS"},
               {"RATE", Align::kRight},
               {"BURST", Align::kRight},
               {"KEY"},
               {"ADMITTED", Align::kRight},
               {"REJECTED", Align::kRight},
               {"SHADOW", Align::kRight},
               {"KEYS", Align::kRight}});
  Table top({{"RULE"}, {"KEY"}, {"TOKENS", Align::kRight}});
  for (std::size_t i = 0; i < rules->size(); ++i) {
    auto rule = client::itemAt(rules, i);
    table.addRow({text(rule, "name"), text(rule, "paths"), text(rule, "methods"), rateText(rule),
                  text(rule, "burst"), text(rule, "key"), text(rule, "admitted"),
                  text(rule, "rejected"), text(rule, "shadow_rejected"), text(rule, "keys")});
    auto keys = client::list(rule, "top_keys");
    for (std::size_t k = 0; k < keys->size(); ++k) {
      auto key = client::itemAt(keys, k);
      top.addRow({text(rule, "name"), text(key, "key"),
                  client::formatNumber(client::number(key, "tokens"), 1)});
    }
  }
  table.render(ctx.out(), ctx.colour());
  if (!top.empty()) {
    ctx.out() << "\nbusiest keys (fewest tokens left):\n";
    top.render(ctx.out(), ctx.colour());
  }
  return 0;
}

int runRatelimitReset(Context& ctx, const Invocation& inv) {
  std::string target = "/admin/ratelimit?rule=" + client::encodeComponent(inv.value("rule"));
  if (inv.has("key")) target += "&key=" + client::encodeComponent(inv.value("key"));
  Reply reply = ctx.adminApi().call("DELETE", target);
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  ctx.out() << "reset rule " << inv.value("rule")
            << (inv.has("key") ? " for key " + inv.value("key") : std::string(" for all keys"))
            << "\n";
  return 0;
}

}  // namespace cc::ctl
