#pragma once
// Run functions of the verbs, one file each; only the verb table calls them.

namespace cc::ctl {

class Context;
struct Invocation;

int runHealth(Context& ctx, const Invocation& inv);
int runStatus(Context& ctx, const Invocation& inv);
int runReload(Context& ctx, const Invocation& inv);
int runRestart(Context& ctx, const Invocation& inv);
int runWait(Context& ctx, const Invocation& inv);
int runConfigShow(Context& ctx, const Invocation& inv);
int runRatelimitShow(Context& ctx, const Invocation& inv);
int runRatelimitReset(Context& ctx, const Invocation& inv);
int runCacheShow(Context& ctx, const Invocation& inv);
int runCacheFlush(Context& ctx, const Invocation& inv);
int runPool(Context& ctx, const Invocation& inv);
int runBreakers(Context& ctx, const Invocation& inv);
int runMetrics(Context& ctx, const Invocation& inv);
int runLogLevel(Context& ctx, const Invocation& inv);
int runFaultShow(Context& ctx, const Invocation& inv);
int runFaultDb(Context& ctx, const Invocation& inv);
int runFaultClear(Context& ctx, const Invocation& inv);
int runUserList(Context& ctx, const Invocation& inv);
int runUserAdd(Context& ctx, const Invocation& inv);
int runUserPasswd(Context& ctx, const Invocation& inv);
int runUserDel(Context& ctx, const Invocation& inv);
int runUserDisable(Context& ctx, const Invocation& inv);
int runUserEnable(Context& ctx, const Invocation& inv);
int runUserRole(Context& ctx, const Invocation& inv);
int runUserTokens(Context& ctx, const Invocation& inv);
int runUserRevoke(Context& ctx, const Invocation& inv);
int runBackup(Context& ctx, const Invocation& inv);
int runExport(Context& ctx, const Invocation& inv);
int runImport(Context& ctx, const Invocation& inv);
int runLoadtest(Context& ctx, const Invocation& inv);
int runHelp(Context& ctx, const Invocation& inv);
int runCompletion(Context& ctx, const Invocation& inv);
int runVersion(Context& ctx, const Invocation& inv);

}  // namespace cc::ctl
