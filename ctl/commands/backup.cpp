#include <Poco/Path.h>

#include "client/json_fields.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

int runBackup(Context& ctx, const Invocation& inv) {
  // The daemon writes the file on its own host and wants an absolute path; a relative one is
  // taken relative to where the ctl runs, which is what an operator on that host means.
  const std::string path = Poco::Path(inv.args[0]).absolute().toString();
  auto body = client::orderedObject();
  body->set("path", path);
  if (inv.has("force")) body->set("overwrite", true);
  client::Reply reply = ctx.adminApi().call("POST", "/admin/backup", body);
  if (!reply.ok()) return ctx.fail(reply);
  if (ctx.json()) return ctx.printJson(reply.json);
  auto result = reply.object();
  ctx.out() << "backed up "
            << client::humanBytes(static_cast<uint64_t>(client::integer(result, "bytes"))) << " to "
            << client::text(result, "path") << "\n";
  return 0;
}

}  // namespace cc::ctl
