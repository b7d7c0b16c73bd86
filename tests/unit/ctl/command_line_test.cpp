#include "commands/command_line.h"

#include <gtest/gtest.h>

#include <set>

#include "client/api_client.h"
#include "client/settings.h"
#include "unit/ctl/ctl_fixture.h"

namespace cc::ctl {
namespace {

class CtlCommandLineTest : public testing::CtlFixture {
 protected:
  common::Result<CommandLine> parse(const std::vector<std::string>& args) {
    return parseCommandLine(args);
  }
};

TEST_F(CtlCommandLineTest, UnknownVerbIsAUsageErrorWithExitCode3) {
  auto parsed = parse({"frobnicate"});
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("unknown verb 'frobnicate'"), std::string::npos);
  auto outcome = run({"frobnicate"});
  EXPECT_EQ(outcome.code, 3);
  EXPECT_TRUE(outcome.out.empty());
  EXPECT_NE(outcome.err.find("unknown verb"), std::string::npos);
}

TEST_F(CtlCommandLineTest, ArgumentCountsAreCheckedFromTheTable) {
  EXPECT_EQ(run({"user", "del"}).code, 3);
  EXPECT_EQ(run({"backup", "a", "b"}).code, 3);
  EXPECT_EQ(run({"status", "extra"}).code, 3);
  EXPECT_EQ(run({"log-level", "info", "debug"}).code, 3);
  auto outcome = run({"user", "del"});
  EXPECT_NE(outcome.err.find("'user del' takes 1 argument, got 0"), std::string::npos);
  EXPECT_NE(outcome.err.find("usage: controlcenterctl user del NAME"), std::string::npos);
  ASSERT_TRUE(parse({"user", "del", "bob"}).ok());
  EXPECT_EQ(parse({"user", "del", "bob"}).value().invocation.args, std::vector<std::string>{"bob"});
}

TEST_F(CtlCommandLineTest, RequiredOptionsChoicesAndTypesAreChecked) {
  auto missing = parse({"ratelimit", "reset"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("needs --rule"), std::string::npos);
  EXPECT_FALSE(parse({"user", "add", "bob", "--role", "root"}).ok());
  EXPECT_FALSE(parse({"fault", "db", "--delay-ms", "soon"}).ok());
  EXPECT_FALSE(parse({"--timeout", "0", "status"}).ok());
  EXPECT_FALSE(parse({"-o", "yaml", "status"}).ok());
  EXPECT_FALSE(parse({"log-level", "loud"}).ok());
  EXPECT_FALSE(parse({"status", "--rule", "x"}).ok());  // another verb's option
  EXPECT_FALSE(parse({"--rule", "x", "ratelimit", "reset"}).ok());
  EXPECT_FALSE(parse({"health", "--live=yes"}).ok());
  EXPECT_EQ(run({"completion", "fish"}).code, 3);
}

TEST_F(CtlCommandLineTest, SubVerbsAndDefaults) {
  auto show = parse({"ratelimit"});
  ASSERT_TRUE(show.ok());
  EXPECT_EQ(show.value().invocation.verb->sub, "show");
  auto reset = parse({"ratelimit", "reset", "--rule", "login", "--key=10.0.0.1"});
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(reset.value().invocation.verb->sub, "reset");
  EXPECT_EQ(reset.value().invocation.value("rule"), "login");
  EXPECT_EQ(reset.value().invocation.value("key"), "10.0.0.1");
  auto unknown = parse({"cache", "purge"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("expected one of: show, flush"), std::string::npos);
  auto none = parse({"user"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("list, add, passwd, del"), std::string::npos);
}

TEST_F(CtlCommandLineTest, GlobalOptionsGoAnywhere) {
  auto parsed = parse({"--url", "http://h:1", "status", "-o", "json", "--timeout=250"});
  ASSERT_TRUE(parsed.ok());
  const auto& global = parsed.value().global;
  EXPECT_EQ(global.url.value_or(""), "http://h:1");
  EXPECT_EQ(global.output, client::OutputFormat::kJson);
  EXPECT_EQ(global.timeout_ms, 250);
  auto short_inline = parse({"-ojson", "pool"});
  ASSERT_TRUE(short_inline.ok());
  EXPECT_EQ(short_inline.value().global.output, client::OutputFormat::kJson);
}

TEST_F(CtlCommandLineTest, ExportAndImportTakeTheirFilesAndChecks) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"export", "agents", "-f", "fleet.ndjson", "-o", "json"},
           {"export", "agents", "--file", "fleet.ndjson", "--output", "json"},
           {"-o", "json", "export", "agents", "--file=fleet.ndjson"}}) {
    auto file = parse(args);
    ASSERT_TRUE(file.ok()) << file.error().message;
    EXPECT_EQ(file.value().invocation.value("file"), "fleet.ndjson");
    EXPECT_EQ(file.value().global.output, client::OutputFormat::kJson);
  }
  EXPECT_FALSE(parse({"export", "agents", "--output", "fleet.ndjson"}).ok())
      << "--output is the format, as for every verb";
  EXPECT_FALSE(parse({"export", "users"}).ok());
  EXPECT_FALSE(parse({"import", "agents"}).ok()) << "needs a FILE";
  EXPECT_FALSE(parse({"import", "users", "f"}).ok());
  auto dry = parse({"import", "projects", "f.ndjson", "--dry-run"});
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(dry.value().invocation.has("dry-run"));
}

TEST_F(CtlCommandLineTest, HelpAndVersionNeedNoDaemon) {
  auto help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const auto& spec : verbTable()) {
    EXPECT_NE(help.out.find(spec.usage()), std::string::npos) << spec.usage();
  }
  auto verb_help = run({"user", "add", "--help"});
  EXPECT_EQ(verb_help.code, 0);
  EXPECT_NE(verb_help.out.find("Usage: controlcenterctl user add NAME --role ROLE"),
            std::string::npos);
  auto version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out, std::string("controlcenterctl ") + CC_VERSION + "\n");
}

TEST_F(CtlCommandLineTest, VerbTableIsConsistent) {
  std::set<std::string> names;
  std::set<std::string> globals;
  for (const auto& option : globalOptionTable()) globals.insert(option.name);
  for (const auto& spec : verbTable()) {
    const std::string name = spec.verb + " " + spec.sub;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    EXPECT_NE(spec.run, nullptr) << name;
    EXPECT_FALSE(spec.summary.empty()) << name;
    EXPECT_LE(spec.min_args, spec.max_args) << name;
    for (const auto& option : spec.options) {
      // `wait --timeout` is kubectl's spelling, deliberately the wait's after the verb.
      if (name == "wait " && option.name == "timeout") continue;
      EXPECT_EQ(globals.count(option.name), 0u) << name << " shadows --" << option.name;
    }
    EXPECT_TRUE(spec.args.empty() == (spec.max_args == 0)) << name << ": args text vs counts";
    EXPECT_FALSE(spec.examples.empty()) << name << " has no example for help";
  }
}

TEST_F(CtlCommandLineTest, PrecedenceIsFlagsThenEnvThenConfigThenDefaults) {
  const std::string config = writeFile(
      "cc.properties", "daemon.state_dir = " + dir_ + "\nhttp.port = 9100\nadmin.port = 9101\n");
  client::GlobalOptions options;
  std::map<std::string, std::string> env;
  auto lookup = [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };

  auto defaults = client::resolveSettings(options, lookup);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->token_file, "/var/lib/controlcenter/admin.token");

  options.config = config;
  auto from_config = client::resolveSettings(options, lookup);
  ASSERT_TRUE(from_config.ok());
  EXPECT_EQ(from_config->url, "http://127.0.0.1:9100");
  EXPECT_EQ(from_config->admin, "http://127.0.0.1:9101");
  EXPECT_EQ(from_config->token_file, dir_ + "/admin.token");
  EXPECT_EQ(from_config->url_source, config);

  env["CONTROLCENTER_URL"] = "http://env:1";
  env["CONTROLCENTER_TOKEN_FILE"] = "/env/token";
  auto from_env = client::resolveSettings(options, lookup);
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->url, "http://env:1");
  EXPECT_EQ(from_env->url_source, "CONTROLCENTER_URL");
  EXPECT_EQ(from_env->admin, "http://127.0.0.1:9101");
  EXPECT_EQ(from_env->token_file, "/env/token");

  options.url = "http://flag:2";
  auto from_flag = client::resolveSettings(options, lookup);
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->url, "http://flag:2");
  EXPECT_EQ(from_flag->url_source, "--url");
  EXPECT_EQ(from_flag->token_file, "/env/token");
}

TEST_F(CtlCommandLineTest, ListenersJsonBeatsTheConfiguredPorts) {
  const std::string config =
      writeFile("cc.properties", "daemon.state_dir = " + dir_ + "\nhttp.port = 0\n");
  writeFile("listeners.json", R"({"http":"127.0.0.1:41234","admin":"127.0.0.1:41235","pid":77})");
  client::GlobalOptions options;
  options.config = config;
  auto settings = client::resolveSettings(
      options, [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->url, "http://127.0.0.1:41234");
  EXPECT_EQ(settings->admin, "http://127.0.0.1:41235");
  EXPECT_EQ(settings->url_source, dir_ + "/listeners.json");
}

TEST_F(CtlCommandLineTest, BadConfigOrUrlIsAUsageError) {
  const std::string config = writeFile("bad.properties", "http.prot = 1\n");
  auto outcome = run({"--config", config, "status"});
  EXPECT_EQ(outcome.code, 3);
  EXPECT_NE(outcome.err.find("unknown key 'http.prot'"), std::string::npos);
  auto missing = run({"--config", dir_ + "/missing.properties", "status"});
  EXPECT_EQ(missing.code, 3);
  auto https = run({"--url", "https://example.com", "health"});
  EXPECT_EQ(https.code, 3);
  EXPECT_NE(https.err.find("--url"), std::string::npos);
  env_["CONTROLCENTER_ADMIN_URL"] = "unix:relative.sock";
  auto env_bad = run({"status"});
  EXPECT_EQ(env_bad.code, 3);
  EXPECT_NE(env_bad.err.find("CONTROLCENTER_ADMIN_URL"), std::string::npos);
}

TEST_F(CtlCommandLineTest, HelpVerbShowsTheGeneralHelpOrOneVerbWithExamples) {
  auto general = run({"help"});
  EXPECT_EQ(general.code, 0) << general.err;
  EXPECT_EQ(general.out, run({"--help"}).out);
  EXPECT_NE(general.out.find("5 timed out waiting"), std::string::npos) << general.out;

  auto wait = run({"help", "wait"});
  EXPECT_EQ(wait.code, 0) << wait.err;
  EXPECT_NE(wait.out.find("Usage: controlcenterctl wait --for CONDITION [--timeout DURATION]"),
            std::string::npos)
      << wait.out;
  EXPECT_NE(wait.out.find("Examples:\n  controlcenterctl wait --for=ready\n"), std::string::npos)
      << wait.out;
  EXPECT_EQ(wait.out, run({"wait", "--help"}).out);

  auto user_add = run({"help", "user", "add"});
  EXPECT_EQ(user_add.code, 0) << user_add.err;
  EXPECT_NE(user_add.out.find("Usage: controlcenterctl user add NAME --role ROLE"),
            std::string::npos);
  // A verb with sub-verbs: every one of them.
  auto user = run({"help", "user"});
  EXPECT_EQ(user.code, 0) << user.err;
  for (const char* sub : {"user list", "user add", "user passwd", "user del"}) {
    EXPECT_NE(user.out.find(std::string("Usage: controlcenterctl ") + sub), std::string::npos)
        << sub;
  }
}

TEST_F(CtlCommandLineTest, UnknownVerbsSubVerbsAndOptionsGetADidYouMeanAndExit3) {
  auto verb = run({"stauts"});
  EXPECT_EQ(verb.code, 3);
  EXPECT_NE(verb.err.find("unknown verb 'stauts' (did you mean 'status'?)"), std::string::npos)
      << verb.err;
  auto help = run({"help", "relaod"});
  EXPECT_EQ(help.code, 3);
  EXPECT_TRUE(help.out.empty());
  EXPECT_NE(help.err.find("did you mean 'reload'?"), std::string::npos) << help.err;
  auto sub = run({"help", "user", "dle"});
  EXPECT_EQ(sub.code, 3);
  EXPECT_NE(sub.err.find("did you mean 'del'?"), std::string::npos) << sub.err;
  auto option = run({"health", "--raedy"});
  EXPECT_EQ(option.code, 3);
  EXPECT_NE(option.err.find("unknown option --raedy (did you mean '--ready'?)"), std::string::npos)
      << option.err;
  EXPECT_EQ(run({"help", "pool", "extra"}).code, 3);
  EXPECT_EQ(run({"help", "a", "b", "c"}).code, 3) << "argument counts come from the table";
  // Far from every verb: no hint, still exit 3.
  auto far = run({"zzzzzzzzzz"});
  EXPECT_EQ(far.code, 3);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST_F(CtlCommandLineTest, LocalVerbsNeedNoSettings) {
  // A broken --config or environment is no reason to refuse help or completion.
  env_["CONTROLCENTER_ADMIN_URL"] = "unix:relative.sock";
  EXPECT_EQ(run({"--config", dir_ + "/missing.properties", "help"}).code, 0);
  EXPECT_EQ(run({"--config", dir_ + "/missing.properties", "completion", "bash"}).code, 0);
  EXPECT_EQ(run({"--config", dir_ + "/missing.properties", "status"}).code, 3);
}

TEST_F(CtlCommandLineTest, VersionAsJsonIsLocalAndNamesTheBuild) {
  env_["CONTROLCENTER_URL"] = "http://127.0.0.1:1";  // never asked
  auto outcome = run({"--version", "-o", "json"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  auto json = client::parseJson(outcome.out);
  ASSERT_FALSE(json.isEmpty()) << outcome.out;
  auto object = json.extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(object->getValue<std::string>("version"), CC_VERSION);
  EXPECT_FALSE(object->getValue<std::string>("compiler").empty());
  EXPECT_EQ(object->getValue<std::string>("poco").substr(0, 2), "1.");
  EXPECT_TRUE(object->has("platform"));
}

TEST_F(CtlCommandLineTest, WaitTakesADurationAndItsOwnTimeout) {
  auto parsed = parse({"--timeout", "250", "wait", "--for=live", "--timeout", "2.5s"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed.value().global.timeout_ms, 250);
  EXPECT_EQ(parsed.value().invocation.value("for"), "live");
  EXPECT_EQ(parsed.value().invocation.duration("timeout", std::chrono::milliseconds(1)),
            std::chrono::milliseconds(2500));
  EXPECT_FALSE(parse({"wait", "--for", "ready", "--timeout", "soon"}).ok());
  EXPECT_FALSE(parse({"wait", "--for", "ready", "--timeout", "30"}).ok()) << "30 what?";
  EXPECT_FALSE(parse({"wait", "--for", "done"}).ok());
  auto missing = parse({"wait"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("needs --for CONDITION"), std::string::npos);
  // Before the verb, --timeout is still the per-request one (milliseconds).
  EXPECT_EQ(parse({"--timeout", "300", "status"}).value().global.timeout_ms, 300);
}

}  // namespace
}  // namespace cc::ctl
