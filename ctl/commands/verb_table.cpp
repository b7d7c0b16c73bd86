#include "commands/verb_table.h"

#include <map>
#include <stdexcept>

#include "commands/verbs.h"

namespace cc::ctl {
namespace {

using T = OptionType;

enum VerbFlag : unsigned {
  kDefaultSub = 1U << 0,  // `verb` alone runs this sub-verb
  kLocal = 1U << 1,       // needs no daemon (help, completion)
};

struct VerbLine {
  const char* name;  // "ratelimit reset"
  const char* args;  // placeholders for usage lines
  std::size_t min_args;
  std::size_t max_args;
  unsigned flags;
  VerbRun run;
};

// Every verb, one line each, in help order. The parser checks argument counts against this table
// and nowhere else; verbDetails() below holds what help, option parsing and completion add.
// clang-format off
constexpr VerbLine kVerbLines[] = {
//  name               args                     min max flags               run
  {"health",          "",                        0,  0, 0,                  runHealth},
  {"status",          "",                        0,  0, 0,                  runStatus},
  {"wait",            "",                        0,  0, 0,                  runWait},
  {"config show",     "[PREFIX]",                0,  1, kDefaultSub,        runConfigShow},
  {"reload",          "",                        0,  0, 0,                  runReload},
  {"restart",         "",                        0,  0, 0,                  runRestart},
  {"ratelimit show",  "",                        0,  0, kDefaultSub,        runRatelimitShow},
  {"ratelimit reset", "",                        0,  0, 0,                  runRatelimitReset},
  {"cache show",      "",                        0,  0, kDefaultSub,        runCacheShow},
  {"cache flush",     "",                        0,  0, 0,                  runCacheFlush},
  {"pool",            "",                        0,  0, 0,                  runPool},
  {"breakers",        "",                        0,  0, 0,                  runBreakers},
  {"metrics",         "[PREFIX]",                0,  1, 0,                  runMetrics},
  {"log-level",       "[LEVEL]",                 0,  1, 0,                  runLogLevel},
  {"fault show",      "",                        0,  0, kDefaultSub,        runFaultShow},
  {"fault db",        "",                        0,  0, 0,                  runFaultDb},
  {"fault clear",     "",                        0,  0, 0,                  runFaultClear},
  {"user list",       "",                        0,  0, 0,                  runUserList},
  {"user add",        "NAME",                    1,  1, 0,                  runUserAdd},
  {"user passwd",     "NAME",                    1,  1, 0,                  runUserPasswd},
  {"user del",        "NAME",                    1,  1, 0,                  runUserDel},
  {"user disable",    "NAME",                    1,  1, 0,                  runUserDisable},
  {"user enable",     "NAME",                    1,  1, 0,                  runUserEnable},
  {"user role",       "NAME admin|viewer",       2,  2, 0,                  runUserRole},
  {"user tokens",     "NAME",                    1,  1, 0,                  runUserTokens},
  {"user revoke",     "NAME [TOKEN_ID]",         1,  2, 0,                  runUserRevoke},
  {"backup",          "FILE",                    1,  1, 0,                  runBackup},
  {"export",          "agents|projects",         1,  1, 0,                  runExport},
  {"import",          "agents|projects FILE",    2,  2, 0,                  runImport},
  {"loadtest",        "",                        0,  0, 0,                  runLoadtest},
  {"help",            "[VERB [SUB]]",            0,  2, kLocal,             runHelp},
  {"completion",      "bash|zsh",                1,  1, kLocal,             runCompletion},
  {"version",         "",                        0,  0, 0,                  runVersion},
};
// clang-format on

// What a verb's line does not say: its summary, the choices of its first argument, its options
// and the examples `help VERB` prints. Keyed by the line's name.
struct VerbDetails {
  std::string summary;
  std::vector<std::string> arg_choices;
  std::vector<OptionSpec> options;
  std::vector<std::string> examples;
};

std::map<std::string, VerbDetails> verbDetails() {
  // The names the daemon prints in its log lines ("warning") and the short ones it reports.
  const std::vector<std::string> levels = {"trace",   "debug", "info",     "warn",
                                           "warning", "error", "critical", "off"};
  const std::vector<std::string> kinds = {"agents", "projects"};
  return {
      {"health",
       {"Show the daemon's health; exit 0 only when it passes",
        {},
        {{"live", 0, T::kFlag, "", "Ask /health/live (is the process up)"},
         {"ready", 0, T::kFlag, "", "Ask /health/ready (can it serve)"}},
        {"controlcenterctl health", "controlcenterctl health --ready -o json"}}},
      {"status",
       {"Show version, uptime, listeners, HTTP load and WebSocket counters",
        {},
        {},
        {"controlcenterctl status", "controlcenterctl status -o json"}}},
      {"wait",
       {"Wait until /health/ready (or /health/live) passes; exit 5 when the timeout expires",
        {},
        {{"for", 0, T::kString, "CONDITION", "ready or live", true, {"ready", "live"}},
         {"timeout", 0, T::kDuration, "DURATION",
          "Give up after DURATION (500ms, 30s, 2m; default 60s; 0 polls once); after the verb "
          "this is the wait's, not the per-request timeout"}},
        {"controlcenterctl wait --for=ready", "controlcenterctl wait --for=live --timeout 10s"}}},
      {"config show",
       {"Show the daemon's effective configuration, where each value came from, secrets "
        "redacted",
        {},
        {},
        {"controlcenterctl config show", "controlcenterctl config show ratelimit.",
         "controlcenterctl config -o json"}}},
      {"reload",
       {"Re-read the config file and print what changed",
        {},
        {},
        {"controlcenterctl reload", "controlcenterctl reload -o json"}}},
      {"restart",
       {"Restart the daemon (in place)",
        {},
        {{"wait", 0, T::kFlag, "", "Wait until /health/ready passes again; report the gap"},
         {"wait-timeout", 0, T::kInt, "S", "Give up waiting after S seconds (default 60)"}},
        {"controlcenterctl restart --wait"}}},
      {"ratelimit show",
       {"Show rate-limit rules, counters and top keys", {}, {}, {"controlcenterctl ratelimit"}}},
      {"ratelimit reset",
       {"Refill a rule's buckets (one key, or all)",
        {},
        {{"rule", 0, T::kString, "RULE", "The rule to reset", true},
         {"key", 0, T::kString, "KEY", "Only this client key"}},
        {"controlcenterctl ratelimit reset --rule login --key 10.0.0.7"}}},
      {"cache show",
       {"Show response-cache size, hit rates and rules", {}, {}, {"controlcenterctl cache"}}},
      {"cache flush",
       {"Drop cached responses",
        {},
        {{"prefix", 0, T::kString, "PATH", "Only entries whose path starts with PATH"}},
        {"controlcenterctl cache flush --prefix /api/system"}}},
      {"pool",
       {"Show the database session pool and its wait times", {}, {}, {"controlcenterctl pool"}}},
      {"breakers",
       {"Show circuit breakers and their states", {}, {}, {"controlcenterctl breakers"}}},
      {"metrics",
       {"Print the Prometheus metrics whose name starts with PREFIX (from the admin listener)",
        {},
        {},
        {"controlcenterctl metrics controlcenter_db_", "controlcenterctl metrics -o json"}}},
      {"log-level",
       {"Show or set the log level",
        levels,
        {},
        {"controlcenterctl log-level", "controlcenterctl log-level debug"}}},
      {"fault show", {"Show injected faults", {}, {}, {"controlcenterctl fault"}}},
      {"fault db",
       {"Inject database delay and/or errors",
        {},
        {{"delay-ms", 0, T::kInt, "N", "Delay every database call by N ms"},
         {"error-rate", 0, T::kDouble, "X", "Fail this fraction (0..1) of database calls"}},
        {"controlcenterctl fault db --delay-ms 200 --error-rate 0.1"}}},
      {"fault clear",
       {"Remove injected database faults", {}, {}, {"controlcenterctl fault clear"}}},
      {"user list", {"List users", {}, {}, {"controlcenterctl user list"}}},
      {"user add",
       {"Add a user; the password is read from stdin or prompted for",
        {},
        {{"role", 0, T::kString, "ROLE", "admin or viewer", true, {"admin", "viewer"}}},
        {"controlcenterctl user add ann --role viewer"}}},
      {"user passwd",
       {"Set a user's password (stdin or prompt)", {}, {}, {"controlcenterctl user passwd ann"}}},
      {"user del", {"Delete a user", {}, {}, {"controlcenterctl user del ann"}}},
      {"user disable",
       {"Disable a user: no logins, its tokens revoked at once",
        {},
        {},
        {"controlcenterctl user disable ann"}}},
      {"user enable", {"Enable a disabled user", {}, {}, {"controlcenterctl user enable ann"}}},
      {"user role",
       {"Change a user's role (revokes its tokens, which carry the old role)",
        {},
        {},
        {"controlcenterctl user role ann viewer"}}},
      {"user tokens",
       {"List a user's live tokens (ids, never the tokens)",
        {},
        {},
        {"controlcenterctl user tokens ann", "controlcenterctl user tokens ann -o json"}}},
      {"user revoke",
       {"Revoke one of a user's tokens, or all of them with --all",
        {},
        {{"all", 0, T::kFlag, "", "Revoke every token of the user"}},
        {"controlcenterctl user revoke ann 3f9a0c1d2e4b5a69",
         "controlcenterctl user revoke ann --all"}}},
      {"backup",
       {"Write an online backup of the database to FILE (a path on the daemon's host)",
        {},
        {{"force", 0, T::kFlag, "", "Replace FILE if it exists"}},
        {"controlcenterctl backup /var/backups/controlcenter.db --force"}}},
      {"export",
       {"Write every agent or project as NDJSON, one object a line (stdout or --file)",
        kinds,
        {{"file", 'f', T::kString, "FILE",
          "Write to FILE (moved into place once the export is whole) instead of stdout"}},
        {"controlcenterctl export agents -f agents.ndjson"}}},
      {"import",
       {"Load agents or projects from an NDJSON file (an export), in batches; exit 1 when a line "
        "is rejected",
        kinds,
        {{"dry-run", 0, T::kFlag, "", "Check every line against the store, write nothing"}},
        {"controlcenterctl import agents agents.ndjson --dry-run"}}},
      {"loadtest",
       {"Load-test the public API and report latencies",
        {},
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
         {"login", 0, T::kString, "USER", "Log in as USER instead of minting a token"},
         {"password-file", 0, T::kString, "FILE", "Password of --login"},
         {"max-p95-ms", 0, T::kDouble, "X", "Fail (exit 1) when the total p95 exceeds X ms"},
         {"min-success", 0, T::kDouble, "R", "Fail (exit 1) when ok/requests is below R"}},
        {"controlcenterctl loadtest --scenario rapid-fire --users 100 --requests 2500",
         "controlcenterctl loadtest --scenario sustained --duration 30 --rate 200 "
         "--max-p95-ms 50"}}},
      {"help",
       {"Show the general help, or a verb's usage, options and examples",
        {},
        {},
        {"controlcenterctl help", "controlcenterctl help wait", "controlcenterctl help user add"}}},
      {"completion",
       {"Print a completion script for bash or zsh",
        {"bash", "zsh"},
        {},
        {"source <(controlcenterctl completion bash)"}}},
      {"version",
       {"Show the ctl's and the daemon's versions (--version: the ctl's alone, offline)",
        {},
        {},
        {"controlcenterctl version -o json"}}},
  };
}

std::vector<VerbSpec> buildTable() {
  auto details = verbDetails();
  std::vector<VerbSpec> table;
  for (const VerbLine& line : kVerbLines) {
    VerbSpec spec;
    const std::string name = line.name;
    const auto space = name.find(' ');
    spec.verb = name.substr(0, space);
    spec.sub = space == std::string::npos ? "" : name.substr(space + 1);
    spec.default_sub = (line.flags & kDefaultSub) != 0;
    spec.local = (line.flags & kLocal) != 0;
    spec.min_args = line.min_args;
    spec.max_args = line.max_args;
    spec.args = line.args;
    spec.run = line.run;
    auto it = details.find(name);
    // A programming error caught by the unit tests, which build the table.
    if (it == details.end()) throw std::logic_error("verb table: no details for '" + name + "'");
    spec.summary = std::move(it->second.summary);
    spec.arg_choices = std::move(it->second.arg_choices);
    spec.options = std::move(it->second.options);
    spec.examples = std::move(it->second.examples);
    details.erase(it);
    table.push_back(std::move(spec));
  }
  if (!details.empty()) {
    throw std::logic_error("verb table: details for '" + details.begin()->first +
                           "', which has no line");
  }
  return table;
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
      {"help", 'h', T::kFlag, "", "Show help (for a verb: VERB --help, or help VERB)"},
      {"version", 0, T::kFlag, "", "Show the ctl's version and build (no daemon needed)"},
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

std::vector<std::string> verbWords() {
  std::vector<std::string> words;
  for (const auto& spec : verbTable()) {
    if (words.empty() || words.back() != spec.verb) words.push_back(spec.verb);
  }
  return words;
}

}  // namespace cc::ctl
