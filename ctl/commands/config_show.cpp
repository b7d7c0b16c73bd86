#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::itemAt;
using client::list;
using client::Reply;
using client::Table;
using client::text;

int runConfigShow(Context& ctx, const Invocation& inv) {
  Reply reply = ctx.adminApi().get("/admin/config");
  if (!reply.ok()) return ctx.fail(reply);
  const std::string prefix = inv.args.empty() ? "" : inv.args[0];
  auto keys = list(reply.object(), "keys");
  Poco::JSON::Array::Ptr shown = new Poco::JSON::Array;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    auto entry = itemAt(keys, i);
    if (text(entry, "key").compare(0, prefix.size(), prefix) == 0) shown->add(entry);
  }
  if (!prefix.empty() && shown->size() == 0) {
    return ctx.fail(client::ExitCode::kFailure, "no configuration key starts with '" + prefix +
                                                    "'; see controlcenterctl config show");
  }
  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("file", reply.object()->get("file"));
    out->set("keys", shown);
    return ctx.printJson(out);
  }
  const std::string file = text(reply.object(), "file");
  ctx.out() << "config file: " << (file.empty() ? "(none)" : file) << "\n\n";
  Table table({{"KEY"}, {"VALUE"}, {"SOURCE"}, {"RELOAD"}});
  for (std::size_t i = 0; i < shown->size(); ++i) {
    auto entry = itemAt(shown, i);
    table.addRow({text(entry, "key"), text(entry, "value"), text(entry, "source"),
                  client::flag(entry, "reloadable") ? "yes" : "restart"});
  }
  table.render(ctx.out(), ctx.colour());
  return 0;
}

}  // namespace cc::ctl
