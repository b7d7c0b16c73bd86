#include "client/exit_code.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

int runHelp(Context& ctx, const Invocation& inv) {
  if (inv.args.empty()) {
    ctx.out() << helpText();
    return 0;
  }
  const std::string& verb = inv.args[0];
  const std::string sub = inv.args.size() > 1 ? inv.args[1] : "";
  if (sub.empty()) {
    // `help user`: each of its sub-verbs in turn.
    std::string text;
    for (const auto& spec : verbTable()) {
      if (spec.verb == verb && !spec.sub.empty())
        text += (text.empty() ? "" : "\n") + verbHelpText(spec);
    }
    if (!text.empty()) {
      ctx.out() << text;
      return 0;
    }
  }
  bool sub_used = false;
  auto spec = lookUpVerb(verb, sub, sub_used);
  if (!spec.ok()) return ctx.fail(client::ExitCode::kUsage, spec.error().message);
  if (!sub.empty() && !sub_used) {
    return ctx.fail(client::ExitCode::kUsage,
                    "'" + verb + "' has no sub-verbs; see controlcenterctl help " + verb);
  }
  ctx.out() << verbHelpText(*spec.value());
  return 0;
}

}  // namespace cc::ctl
