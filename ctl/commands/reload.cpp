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

namespace {

void printChanges(std::ostream& out, const std::string& title,
                  const Poco::JSON::Array::Ptr& changes) {
  out << title << "\n";
  Table table({{"KEY"}, {"OLD"}, {"NEW"}});
  for (std::size_t i = 0; i < changes->size(); ++i) {
    auto change = itemAt(changes, i);
    table.addRow({text(change, "key"), text(change, "old"), text(change, "new")});
  }
  table.render(out, false);
}

}  // namespace

int runReload(Context& ctx, const Invocation&) {
  Reply reply = ctx.adminApi().call("POST", "/admin/reload");
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto applied = list(reply.object(), "applied");
  auto needs_restart = list(reply.object(), "needs_restart");
  if (applied->size() == 0 && needs_restart->size() == 0) {
    ctx.out() << "reloaded; nothing changed\n";
    return 0;
  }
  if (applied->size() > 0) printChanges(ctx.out(), "applied:", applied);
  if (needs_restart->size() > 0) {
    if (applied->size() > 0) ctx.out() << "\n";
    printChanges(ctx.out(),
                 "not applied, need a restart (controlcenterctl restart):", needs_restart);
  }
  return 0;
}

}  // namespace cc::ctl
