#include "commands/verb_table.h"

#include "commands/verbs.h"

namespace cc::ctl {
namespace {

using T = OptionType;

std::vector<VerbSpec> buildTable() {
  // The names the daemon prints in its log lines ("warning") and the short ones it reports.
  const std::vector<std::string> levels = {"trace",   "debug", "info",     "warn",
                                           "warning", "error", "critical", "off"};
  return {
      {"health",
       "",
       false,
       0,
       0,
       "",
       {},
       "Show the daemon's health; exit 0 only when it passes",
       {{"live", 0, T::kFlag, "", "Ask /health/live (is the process up)"},
        {"ready", 0, T::kFlag, "", "Ask /health/ready (can it serve)"}},
       runHealth},
      {"status",
       "",
       false,
       0,
       0,
       "",
       {},
       "Show version, uptime, listeners and HTTP load",
       {},
       runStatus},
      {"reload",
       "",
       false,
       0,
       0,
       "",
       {},
       "Re-read the config file and print what changed",
       {},
       runReload},
      {"restart",
       "",
       false,
       0,
       0,
       "",
       {},
       "Restart the daemon (in place)",
       {{"wait", 0, T::kFlag, "", "Wait until /health/ready passes again; report the gap"},
        {"wait-timeout", 0, T::kInt, "S", "Give up waiting after S seconds (default 60)"}},
       runRestart},
      {"ratelimit",
       "show",
       true,
       0,
       0,
       "",
       {},
       "Show rate-limit rules, counters and top keys",
       {},
       runRatelimitShow},
      {"ratelimit",
       "reset",
       false,
       0,
       0,
       "",
       {},
       "Refill a rule's buckets (one key, or all)",
       {{"rule", 0, T::kString, "RULE", "The rule to reset", true},
        {"key", 0, T::kString, "KEY", "Only this client key"}},
       runRatelimitReset},
      {"cache",
       "show",
       true,
       0,
       0,
       "",
       {},
       "Show response-cache size, hit rates and rules",
       {},
       runCacheShow},
      {"cache",
       "flush",
       false,
       0,
       0,
       "",
       {},
       "Drop cached responses",
       {{"prefix", 0, T::kString, "PATH", "Only entries whose path starts with PATH"}},
       runCacheFlush},
      {"pool",
       "",
       false,
       0,
       0,
       "",
       {},
       "Show the database session pool and its wait times",
       {},
       runPool},
      {"breakers",
       "",
       false,
       0,
       0,
       "",
       {},
       "Show circuit breakers and their states",
       {},
       runBreakers},
      {"log-level",
       "",
       false,
       0,
       1,
       "[LEVEL]",
       levels,
       "Show or set the log level",
       {},
       runLogLevel},
      {"fault", "show", true, 0, 0, "", {}, "Show injected faults", {}, runFaultShow},
      {"fault",
       "db",
       false,
       0,
       0,
       "",
       {},
       "Inject database delay and/or errors",
       {{"delay-ms", 0, T::kInt, "N", "Delay every database call by N ms"},
        {"error-rate", 0, T::kDouble, "X", "Fail this fraction (0..1) of database calls"}},
       runFaultDb},
      {"fault", "clear", false, 0, 0, "", {}, "Remove injected database faults", {}, runFaultClear},
      {"user", "list", false, 0, 0, "", {}, "List users", {}, runUserList},
      {"user",
       "add",
       false,
       1,
       1,
       "NAME",
       {},
       "Add a user; the password is read from stdin or prompted for",
       {{"role", 0, T::kString, "ROLE", "admin or viewer", true, {"admin", "viewer"}}},
       runUserAdd},
      {"user",
       "passwd",
       false,
       1,
       1,
       "NAME",
       {},
       "Set a user's password (stdin or prompt)",
       {},
       runUserPasswd},
      {"user", "del", false, 1, 1, "NAME", {}, "Delete a user", {}, runUserDel},
      {"backup",
       "",
       false,
       1,
       1,
       "FILE",
       {},
       "Write an online backup of the database to FILE (a path on the daemon's host)",
       {{"force", 0, T::kFlag, "", "Replace FILE if it exists"}},
       runBackup},
      {"export",
       "",
       false,
       1,
       1,
       "agents|projects",
       {"agents", "projects"},
       "Write every agent or project as NDJSON, one object a line (stdout or --file)",
       {{"file", 'f', T::kString, "FILE",
         "Write to FILE (moved into place once the export is whole) instead of stdout"}},
       runExport},
      {"import",
       "",
       false,
       2,
       2,
       "agents|projects FILE",
       {"agents", "projects"},
       "Load agents or projects from an NDJSON file (an export), in batches; exit 1 when a line "
       "is rejected",
       {{"dry-run", 0, T::kFlag, "", "Check every line against the store, write nothing"}},
       runImport},
      {"loadtest",
       "",
       false,
       0,
       0,
       "",
       {},
       "Load-test the public API and report latencies",
       {{"scenario",
         0,
         T::kString,
         "NAME",
         "rapid-fire, sustained, mixed or custom",
         true,
         {"rapid-fire", "sustained", "mixed", "custom"}},
        {"users", 0, T::kInt, "N", "Concurrent users (threads)"},
        {"requests", 0, T::kInt, "N", "Stop after N requests in all"},
        {"duration", 0, T::kDouble, "S", "Stop after S seconds"},
        {"rate", 0, T::kDouble, "R", "Pace all users together to R requests/s"},
        {"endpoints", 0, T::kString, "LIST", "Comma-separated paths to GET"},
        {"login", 0, T::kString, "USER", "Log in as USER instead of minting a viewer token"},
        {"password-file", 0, T::kString, "FILE", "Password of --login"},
        {"max-p95-ms", 0, T::kDouble, "X", "Fail (exit 1) when the total p95 exceeds X ms"},
        {"min-success", 0, T::kDouble, "R", "Fail (exit 1) when ok/requests is below R"}},
       runLoadtest},
      {"completion",
       "",
       false,
       1,
       1,
       "SHELL",
       {"bash", "zsh"},
       "Print a completion script for bash or zsh",
       {},
       runCompletion},
      {"version",
       "",
       false,
       0,
       0,
       "",
       {},
       "Show the ctl's and the daemon's versions",
       {},
       runVersion},
  };
}

}  // namespace

std::string VerbSpec::usage() const {
  std::string text = verb;
  if (!sub.empty()) text += default_sub ? " [" + sub + "]" : " " + sub;
  if (!args.empty()) text += " " + args;
  for (const auto& option : options) {
    std::string item = "--" + option.name;
    if (option.type != OptionType::kFlag) item += " " + option.value_name;
    text += " " + (option.required ? item : "[" + item + "]");
  }
  return text;
}

const std::vector<VerbSpec>& verbTable() {
  static const std::vector<VerbSpec> table = buildTable();
  return table;
}

const std::vector<OptionSpec>& globalOptionTable() {
  static const std::vector<OptionSpec> table = {
      {"url", 0, T::kString, "URL", "Public API (default from --config or http://127.0.0.1:8080)"},
      {"admin", 0, T::kString, "URL",
       "Admin API: http://HOST:PORT or unix:/path.sock (default from --config or "
       "http://127.0.0.1:8081)"},
      {"token-file", 0, T::kString, "FILE",
       "Admin token file (default ${daemon.state_dir}/admin.token)"},
      {"config", 0, T::kString, "FILE", "Read listeners and token file from the daemon's config"},
      {"output", 'o', T::kString, "FORMAT", "table or json", false, {"table", "json"}},
      {"timeout", 0, T::kInt, "MS", "Per-request timeout in milliseconds (default 5000)"},
      {"help", 'h', T::kFlag, "", "Show help (for a verb: VERB --help)"},
      {"version", 0, T::kFlag, "", "Show the ctl's version"},
  };
  return table;
}

const VerbSpec* findVerb(const std::string& verb, const std::string& sub, bool& sub_used) {
  const VerbSpec* fallback = nullptr;
  sub_used = false;
  for (const auto& spec : verbTable()) {
    if (spec.verb != verb) continue;
    if (spec.sub.empty()) return &spec;
    if (!sub.empty() && spec.sub == sub) {
      sub_used = true;
      return &spec;
    }
    if (spec.default_sub) fallback = &spec;
  }
  return fallback;
}

}  // namespace cc::ctl
