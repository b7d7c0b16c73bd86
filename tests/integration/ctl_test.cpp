// controlcenterctl against the real daemon: every verb in both output modes, the documented exit
// codes, and the three ways the ctl finds the daemon (--config, explicit options, environment).

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Counts the top-level JSON values in `text` (strings and escapes respected); anything but
// whitespace between them counts as one more, so "exactly one document" means a result of 1.
int topLevelDocuments(const std::string& text) {
  int documents = 0;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  bool in_bare = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
        if (depth == 0) ++documents;
      }
      continue;
    }
    const bool space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r';
    if (depth == 0 && in_bare) {
      if (space) in_bare = false;
      continue;
    }
    if (ch == '"') {
      in_string = true;
    } else if (ch == '{' || ch == '[') {
      ++depth;
    } else if (ch == '}' || ch == ']') {
      if (--depth == 0) ++documents;
    } else if (depth == 0 && !space) {
      in_bare = true;
      ++documents;
    }
  }
  return depth == 0 && !in_string ? documents : -1;
}

// The ctl's stdout as one JSON object; fails the test when it is not exactly that.
Poco::JSON::Object::Ptr parseOneObject(const RunResult& r) {
  EXPECT_EQ(topLevelDocuments(r.out), 1) << r.out;
  try {
    Poco::JSON::Parser parser;
    auto value = parser.parse(r.out);
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
      return value.extract<Poco::JSON::Object::Ptr>();
    }
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "not JSON: " << e.displayText() << "\n" << r.out;
    return new Poco::JSON::Object;
  }
  ADD_FAILURE() << "not a JSON object: " << r.out;
  return new Poco::JSON::Object;
}

std::string describe(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// A loopback port with nobody listening: bound once, then closed.
std::string deadAddress() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  std::string address = socket.address().toString();
  socket.close();
  return address;
}

// Runs the ctl without a daemon of its own: usage errors and unreachable addresses.
class CtlWithoutDaemonTest : public ::testing::Test {
 protected:
  RunResult ctl(std::vector<std::string> args, const std::string& input = {},
                const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), CC_CTL_PATH);
    return runProgram(args, input, env);
  }
  TempDir dir_;
};

TEST_F(CtlWithoutDaemonTest, UsageErrorsExitThreeWithAMessage) {
  const std::vector<std::vector<std::string>> usage = {
      {"frobnicate"},                                               // unknown verb
      {"user", "frobnicate"},                                       // unknown sub-verb
      {"user", "add"},                                              // missing argument
      {"user", "add", "ann"},                                       // missing required --role
      {"user", "add", "ann", "--role", "owner"},                    // bad choice
      {"user", "role", "ann"},                                      // missing ROLE
      {"user", "role", "ann", "owner"},                             // not a role
      {"user", "revoke", "ann"},                                    // neither TOKEN_ID nor --all
      {"backup"},                                                   // missing argument
      {"backup", "a", "b"},                                         // too many arguments
      {"-o", "yaml", "status"},                                     // bad global option value
      {"--timeout", "soon", "status"},                              // bad number
      {"fault", "db", "--error-rate", "lots"},                      // bad verb option value
      {"fault", "db", "--error-rate", "2"},                         // out of range
      {"fault", "db"},                                              // neither option
      {"status", "--frobnicate"},                                   // unknown option
      {"log-level", "loud"},                                        // not a level
      {"--config", dir_.path() + "/missing.properties", "status"},  // invalid --config
  };
  for (const auto& args : usage) {
    auto r = ctl(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 3) << joined << describe(r);
    EXPECT_TRUE(r.out.empty()) << joined << describe(r);
    EXPECT_NE(r.err.find("controlcenterctl"), std::string::npos) << joined << describe(r);
  }
}

TEST_F(CtlWithoutDaemonTest, UnreachableDaemonExitsTwoNamingTheUrl) {
  const std::string dead = "http://" + deadAddress();
  writeFile(dir_.path() + "/token", "0123456789abcdef\n");
  for (const char* output : {"table", "json"}) {
    auto status =
        ctl({"--admin", dead, "--token-file", dir_.path() + "/token", "-o", output, "status"});
    EXPECT_EQ(status.exit_code, 2) << describe(status);
    EXPECT_TRUE(status.out.empty()) << describe(status);
    EXPECT_NE(status.err.find("cannot reach the admin API at " + dead), std::string::npos)
        << describe(status);
    EXPECT_NE(status.err.find("--admin"), std::string::npos) << describe(status);

    auto health = ctl({"--url", dead, "-o", output, "health"});
    EXPECT_EQ(health.exit_code, 2) << describe(health);
    EXPECT_NE(health.err.find("cannot reach the public API at " + dead), std::string::npos)
        << describe(health);
  }
  auto version = ctl({"--url", dead, "version"});
  EXPECT_EQ(version.exit_code, 2) << describe(version);
  EXPECT_NE(version.err.find(dead), std::string::npos) << describe(version);
  // The environment is honoured too.
  auto from_env = ctl({"health"}, {}, {{"CONTROLCENTER_URL", dead}});
  EXPECT_EQ(from_env.exit_code, 2) << describe(from_env);
  EXPECT_NE(from_env.err.find(dead), std::string::npos) << describe(from_env);
}

TEST_F(CtlWithoutDaemonTest, CompletionScriptsAndVersionNeedNoDaemon) {
  auto bash = ctl({"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0) << describe(bash);
  EXPECT_NE(bash.out.find("loadtest"), std::string::npos);
  EXPECT_NE(bash.out.find("--max-p95-ms"), std::string::npos);
  writeFile(dir_.path() + "/completion.bash", bash.out);
  auto syntax = runProgram({"/bin/bash", "-n", dir_.path() + "/completion.bash"});
  EXPECT_EQ(syntax.exit_code, 0) << describe(syntax);

  auto zsh = ctl({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0) << describe(zsh);
  EXPECT_NE(zsh.out.find("#compdef controlcenterctl"), std::string::npos) << zsh.out;

  auto version = ctl({"--version"});
  EXPECT_EQ(version.exit_code, 0) << describe(version);
  EXPECT_NE(version.out.find(CC_VERSION), std::string::npos) << describe(version);
}

// One real daemon a test; the ctl finds it through a config file naming its state dir.
class CtlTest : public ::testing::Test {
 protected:
  void startDaemon(std::vector<std::string> args = {}) {
    daemon_.emplace(std::move(args));
    daemon_->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    config_ = dir_.path() + "/ctl.properties";
    writeFile(config_, "daemon.state_dir = " + daemon_->stateDir() + "\n");
  }

  RunResult ctl(std::vector<std::string> args, const std::string& input = {},
                const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), {CC_CTL_PATH, "--config", config_});
    return runProgram(args, input, env);
  }
  // The same verb in both output modes: the table run and the parsed JSON document.
  Poco::JSON::Object::Ptr bothModes(const std::vector<std::string>& args, RunResult& table) {
    table = ctl(args);
    EXPECT_EQ(table.exit_code, 0) << describe(table);
    EXPECT_FALSE(table.out.empty()) << describe(table);
    std::vector<std::string> json_args = {"-o", "json"};
    json_args.insert(json_args.end(), args.begin(), args.end());
    auto json = ctl(json_args);
    EXPECT_EQ(json.exit_code, 0) << describe(json);
    return parseOneObject(json);
  }

  std::string mintViewerToken() {
    auto r = daemon_->admin("POST", "/admin/tokens", R"({"role":"viewer"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return jsonField(r.body, "token");
  }
  int login(const std::string& user, const std::string& password) {
    return daemon_
        ->request("POST", "/api/auth/login",
                  R"({"username":")" + user + R"(","password":")" + password + R"("})",
                  {{"Content-Type", "application/json"}})
        .status;
  }
  // The collector may report a warning until its first round; health passes soon after start.
  void waitUntilHealthy() {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
      if (jsonField(daemon_->get("/health").body, "status") == "pass") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the daemon never reported pass: " << daemon_->get("/health").body;
  }

  static constexpr const char* kAdminPassword = "Admin-password-1";
  TempDir dir_;
  std::optional<DaemonProcess> daemon_;
  std::string config_;
};

TEST_F(CtlTest, HealthStatusAndVersionInBothModes) {
  startDaemon();
  waitUntilHealthy();
  RunResult table;
  auto health = bothModes({"health"}, table);
  EXPECT_NE(table.out.find("pass"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(CC_VERSION), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("store"), std::string::npos) << table.out;
  EXPECT_EQ(health->getValue<std::string>("status"), "pass");
  EXPECT_EQ(health->getValue<std::string>("version"), CC_VERSION);

  EXPECT_EQ(ctl({"health", "--live"}).exit_code, 0);
  EXPECT_EQ(ctl({"health", "--ready"}).exit_code, 0);

  auto status = bothModes({"status"}, table);
  const std::string pid = std::to_string(daemon_->pid());
  EXPECT_NE(table.out.find(CC_VERSION), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(pid), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(daemon_->httpAddress()), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(daemon_->adminAddress()), std::string::npos) << table.out;
  EXPECT_EQ(status->getValue<int64_t>("pid"), daemon_->pid());
  EXPECT_EQ(status->getValue<std::string>("version"), CC_VERSION);
  EXPECT_FALSE(status->getValue<bool>("draining"));

  auto version = bothModes({"version"}, table);
  EXPECT_NE(table.out.find("controlcenterd   " CC_VERSION), std::string::npos) << table.out;
  EXPECT_EQ(version->getValue<std::string>("ctl"), CC_VERSION);
  EXPECT_EQ(version->getValue<std::string>("daemon"), CC_VERSION);
}

TEST_F(CtlTest, ExplicitOptionsAndEnvironmentFindTheDaemon) {
  startDaemon();
  const std::string url = "http://" + daemon_->httpAddress();
  const std::string admin = "http://" + daemon_->adminAddress();
  const std::string token = daemon_->stateDir() + "/admin.token";
  const std::string pid = std::to_string(daemon_->pid());

  auto flags = runProgram(
      {CC_CTL_PATH, "--url", url, "--admin", admin, "--token-file", token, "-o", "json", "status"});
  ASSERT_EQ(flags.exit_code, 0) << describe(flags);
  EXPECT_EQ(jsonField(flags.out, "pid"), pid);
  auto flags_health = runProgram({CC_CTL_PATH, "--url=" + url, "-ojson", "version"});
  EXPECT_EQ(flags_health.exit_code, 0) << describe(flags_health);
  EXPECT_EQ(jsonField(flags_health.out, "daemon"), CC_VERSION);

  const std::map<std::string, std::string> env = {{"CONTROLCENTER_URL", url},
                                                  {"CONTROLCENTER_ADMIN_URL", admin},
                                                  {"CONTROLCENTER_TOKEN_FILE", token}};
  auto from_env = runProgram({CC_CTL_PATH, "-o", "json", "status"}, {}, env);
  ASSERT_EQ(from_env.exit_code, 0) << describe(from_env);
  EXPECT_EQ(jsonField(from_env.out, "pid"), pid);
  auto env_version = runProgram({CC_CTL_PATH, "-o", "json", "version"}, {}, env);
  EXPECT_EQ(env_version.exit_code, 0) << describe(env_version);

  // Options beat the environment, the environment beats --config.
  const std::string dead = "http://" + deadAddress();
  auto options_win =
      runProgram({CC_CTL_PATH, "--admin", admin, "status"}, {},
                 {{"CONTROLCENTER_ADMIN_URL", dead}, {"CONTROLCENTER_TOKEN_FILE", token}});
  EXPECT_EQ(options_win.exit_code, 0) << describe(options_win);
  auto env_wins = ctl({"status"}, {}, {{"CONTROLCENTER_ADMIN_URL", dead}});
  EXPECT_EQ(env_wins.exit_code, 2) << describe(env_wins);
  EXPECT_NE(env_wins.err.find(dead), std::string::npos) << describe(env_wins);
}

TEST_F(CtlTest, WrongOrUnreadableTokenExitsFourNamingTheFix) {
  startDaemon();
  const std::string admin = "http://" + daemon_->adminAddress();
  writeFile(dir_.path() + "/wrong.token", std::string(64, 'a') + "\n");
  for (const char* output : {"table", "json"}) {
    auto wrong = ctl({"-o", output, "--token-file", dir_.path() + "/wrong.token", "status"});
    EXPECT_EQ(wrong.exit_code, 4) << describe(wrong);
    EXPECT_TRUE(wrong.out.empty()) << describe(wrong);
    EXPECT_NE(wrong.err.find("401"), std::string::npos) << describe(wrong);
    EXPECT_NE(wrong.err.find("--token-file"), std::string::npos) << describe(wrong);
  }
  auto wrong_env = runProgram({CC_CTL_PATH, "--admin", admin, "user", "list"}, {},
                              {{"CONTROLCENTER_TOKEN_FILE", dir_.path() + "/wrong.token"}});
  EXPECT_EQ(wrong_env.exit_code, 4) << describe(wrong_env);

  auto missing = ctl({"--token-file", dir_.path() + "/missing.token", "status"});
  EXPECT_EQ(missing.exit_code, 4) << describe(missing);
  EXPECT_NE(missing.err.find(dir_.path() + "/missing.token"), std::string::npos)
      << describe(missing);
  EXPECT_NE(missing.err.find("--token-file"), std::string::npos) << describe(missing);

  // A directory cannot be read as a token file (mode bits do not stop root, who runs CI).
  auto unreadable = ctl({"--token-file", dir_.path(), "pool"});
  EXPECT_EQ(unreadable.exit_code, 4) << describe(unreadable);
  EXPECT_NE(unreadable.err.find("--token-file"), std::string::npos) << describe(unreadable);
  writeFile(dir_.path() + "/empty.token", "\n");
  auto empty = ctl({"--token-file", dir_.path() + "/empty.token", "breakers"});
  EXPECT_EQ(empty.exit_code, 4) << describe(empty);

  // The public API needs no token at all.
  EXPECT_EQ(ctl({"--token-file", dir_.path() + "/missing.token", "version"}).exit_code, 0);
}

TEST_F(CtlTest, HealthExitsOneWhenTheStoreBreakerIsOpen) {
  startDaemon({"-D", "breaker.db.failure_threshold=1", "-D", "breaker.db.open_ms=60000"});
  waitUntilHealthy();
  RunResult table;
  bothModes({"fault", "db", "--delay-ms", "1"}, table);
  EXPECT_NE(table.out.find("1.00 ms"), std::string::npos) << table.out;
  // The whole resulting state: the delay set before is still there.
  auto fault = bothModes({"fault", "db", "--error-rate", "1"}, table);
  EXPECT_NE(table.out.find("db delay:            1.00 ms"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("db error rate:       100%"), std::string::npos) << table.out;
  ASSERT_FALSE(fault->getObject("db").isNull());
  EXPECT_EQ(fault->getObject("db")->getValue<int64_t>("delay_ms"), 1);
  auto shown = bothModes({"fault", "show"}, table);
  ASSERT_FALSE(shown->getObject("db").isNull()) << table.out;
  EXPECT_EQ(shown->getObject("db")->getValue<double>("error_rate"), 1.0);
  EXPECT_EQ(shown->getObject("db")->getValue<int64_t>("delay_ms"), 1);
  EXPECT_NE(table.out.find("100%"), std::string::npos) << table.out;

  // Login is a store route without a token: bearer tokens are checked against the store before
  // the breaker stage, so an authenticated request would fail without reaching the breaker.
  EXPECT_EQ(login("admin", kAdminPassword), 503);

  auto breakers = bothModes({"breakers"}, table);
  EXPECT_NE(table.out.find("open"), std::string::npos) << table.out;
  auto list = breakers->getArray("breakers");
  ASSERT_FALSE(list.isNull()) << Poco::Dynamic::Var(breakers).toString();
  ASSERT_GE(list->size(), 1u);
  EXPECT_EQ(list->getObject(0)->getValue<std::string>("state"), "open");

  auto unhealthy = ctl({"health"});
  EXPECT_EQ(unhealthy.exit_code, 1) << describe(unhealthy);
  EXPECT_NE(unhealthy.out.find("fail"), std::string::npos) << describe(unhealthy);
  auto unhealthy_json = ctl({"-o", "json", "health"});
  EXPECT_EQ(unhealthy_json.exit_code, 1) << describe(unhealthy_json);
  EXPECT_EQ(parseOneObject(unhealthy_json)->getValue<std::string>("status"), "fail");
  EXPECT_EQ(ctl({"health", "--ready"}).exit_code, 1);
  EXPECT_EQ(ctl({"health", "--live"}).exit_code, 0);

  auto cleared = bothModes({"fault", "clear"}, table);
  EXPECT_EQ(table.out, "database faults cleared\n");
  EXPECT_TRUE(cleared->getValue<bool>("cleared"));
  EXPECT_EQ(jsonField(daemon_->admin("GET", "/admin/faults").body, "db.error_rate"), "0");
}

TEST_F(CtlTest, ReloadPrintsWhatChangedAndRefusesAnInvalidFile) {
  const std::string daemon_config = dir_.path() + "/daemon.properties";
  writeFile(daemon_config, "log.level = info\n");
  startDaemon({"--config", daemon_config});
  RunResult nothing = ctl({"reload"});
  EXPECT_EQ(nothing.exit_code, 0) << describe(nothing);
  EXPECT_EQ(nothing.out, "reloaded; nothing changed\n");

  writeFile(daemon_config, "log.level = warn\nhttp.threads = 8\n");
  auto changed = ctl({"reload"});
  ASSERT_EQ(changed.exit_code, 0) << describe(changed);
  EXPECT_NE(changed.out.find("applied:"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("log.level"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("warn"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("need a restart"), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("http.threads"), std::string::npos) << changed.out;

  writeFile(daemon_config, "log.level = error\nhttp.threads = 8\n");
  auto json = ctl({"-o", "json", "reload"});
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  auto applied = parseOneObject(json)->getArray("applied");
  ASSERT_FALSE(applied.isNull()) << json.out;
  ASSERT_EQ(applied->size(), 1u) << json.out;
  EXPECT_EQ(applied->getObject(0)->getValue<std::string>("key"), "log.level");
  EXPECT_EQ(applied->getObject(0)->getValue<std::string>("new"), "error");

  writeFile(daemon_config, "log.level = loud\nhttp.threads = banana\n");
  for (const char* output : {"table", "json"}) {
    auto invalid = ctl({"-o", output, "reload"});
    EXPECT_EQ(invalid.exit_code, 1) << describe(invalid);
    EXPECT_TRUE(invalid.out.empty()) << describe(invalid);
    EXPECT_NE(invalid.err.find("http.threads"), std::string::npos) << describe(invalid);
  }
  auto level = ctl({"log-level"});
  EXPECT_EQ(level.out, "error\n") << describe(level);
}

TEST_F(CtlTest, LogLevelShowsAndSetsInBothModes) {
  startDaemon();
  RunResult table;
  auto shown = bothModes({"log-level"}, table);
  EXPECT_EQ(table.out, "info\n");
  EXPECT_EQ(shown->getValue<std::string>("level"), "info");
  auto set = ctl({"log-level", "debug"});
  EXPECT_EQ(set.exit_code, 0) << describe(set);
  EXPECT_EQ(set.out, "debug\n");
  auto set_json = ctl({"-o", "json", "log-level", "warn"});
  EXPECT_EQ(set_json.exit_code, 0) << describe(set_json);
  EXPECT_EQ(parseOneObject(set_json)->getValue<std::string>("level"), "warn");
  EXPECT_EQ(jsonField(daemon_->admin("GET", "/admin/status").body, "log_level"), "warn");
}

TEST_F(CtlTest, RateLimitCacheAndPoolVerbsInBothModes) {
  startDaemon({"-D", "cache.rule.processes.ttl_ms=600000"});
  const std::string token = mintViewerToken();
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(daemon_->get("/api/system/processes", {{"Authorization", "Bearer " + token}}).status,
              200);
  }

  RunResult table;
  auto limits = bothModes({"ratelimit"}, table);
  EXPECT_NE(table.out.find("enabled"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("api"), std::string::npos) << table.out;
  EXPECT_TRUE(limits->getValue<bool>("enabled"));
  auto rules = limits->getArray("rules");
  ASSERT_FALSE(rules.isNull());
  bool saw_api = false;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    auto rule = rules->getObject(static_cast<unsigned>(i));
    if (rule->getValue<std::string>("name") != "api") continue;
    saw_api = true;
    EXPECT_GE(rule->getValue<int64_t>("admitted"), 2) << Poco::Dynamic::Var(rule).toString();
  }
  EXPECT_TRUE(saw_api) << table.out;
  EXPECT_EQ(ctl({"ratelimit", "show"}).exit_code, 0);

  auto reset_key = ctl({"ratelimit", "reset", "--rule", "api", "--key", "127.0.0.1"});
  EXPECT_EQ(reset_key.exit_code, 0) << describe(reset_key);
  EXPECT_EQ(reset_key.out, "reset rule api for key 127.0.0.1\n");
  auto reset_all = ctl({"-o", "json", "ratelimit", "reset", "--rule", "api"});
  EXPECT_EQ(reset_all.exit_code, 0) << describe(reset_all);
  parseOneObject(reset_all);
  auto unknown_rule = ctl({"ratelimit", "reset", "--rule", "nosuchrule"});
  EXPECT_EQ(unknown_rule.exit_code, 1) << describe(unknown_rule);
  EXPECT_NE(unknown_rule.err.find("nosuchrule"), std::string::npos) << describe(unknown_rule);

  auto cache = bothModes({"cache"}, table);
  EXPECT_NE(table.out.find("hits"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("processes"), std::string::npos) << table.out;
  EXPECT_GE(cache->getValue<int64_t>("entries"), 1) << Poco::Dynamic::Var(cache).toString();
  EXPECT_GE(cache->getValue<int64_t>("hits"), 1) << Poco::Dynamic::Var(cache).toString();
  EXPECT_EQ(ctl({"cache", "show"}).exit_code, 0);

  auto flush_other = ctl({"-o", "json", "cache", "flush", "--prefix", "/api/agents"});
  EXPECT_EQ(flush_other.exit_code, 0) << describe(flush_other);
  EXPECT_EQ(parseOneObject(flush_other)->getValue<int64_t>("flushed"), 0);
  auto flush_prefix = ctl({"cache", "flush", "--prefix", "/api/system"});
  EXPECT_EQ(flush_prefix.exit_code, 0) << describe(flush_prefix);
  EXPECT_EQ(flush_prefix.out, "flushed 1 entry under /api/system\n");
  auto flush_all = ctl({"cache", "flush"});
  EXPECT_EQ(flush_all.exit_code, 0) << describe(flush_all);
  EXPECT_EQ(flush_all.out, "flushed 0 entries\n");
  EXPECT_EQ(jsonField(daemon_->admin("GET", "/admin/cache").body, "entries"), "0");

  auto pool = bothModes({"pool"}, table);
  EXPECT_NE(table.out.find("in use"), std::string::npos) << table.out;
  EXPECT_GE(pool->getValue<int64_t>("max"), 1) << Poco::Dynamic::Var(pool).toString();
  EXPECT_GE(pool->getValue<int64_t>("acquired_total"), 1) << Poco::Dynamic::Var(pool).toString();
}

TEST_F(CtlTest, UserLifecycleWithPasswordsFromStdin) {
  startDaemon();
  RunResult table;
  auto users = bothModes({"user", "list"}, table);
  EXPECT_NE(table.out.find("admin"), std::string::npos) << table.out;
  ASSERT_FALSE(users->getArray("users").isNull());
  EXPECT_EQ(users->getArray("users")->size(), 1u);

  auto add = ctl({"user", "add", "ann", "--role", "viewer"}, "First-password-1\n");
  ASSERT_EQ(add.exit_code, 0) << describe(add);
  EXPECT_EQ(add.out, "added user ann (viewer)\n");
  EXPECT_EQ(add.err.find("First-password-1"), std::string::npos);
  EXPECT_EQ(login("ann", "First-password-1"), 200);

  auto duplicate = ctl({"user", "add", "ann", "--role", "viewer"}, "First-password-1\n");
  EXPECT_EQ(duplicate.exit_code, 1) << describe(duplicate);
  auto short_password = ctl({"user", "add", "bob", "--role", "viewer"}, "short\n");
  EXPECT_EQ(short_password.exit_code, 1) << describe(short_password);
  EXPECT_NE(short_password.err.find("validation_failed"), std::string::npos)
      << describe(short_password);
  auto no_password = ctl({"user", "add", "bob", "--role", "viewer"});
  EXPECT_EQ(no_password.exit_code, 3) << describe(no_password);

  auto passwd = ctl({"-o", "json", "user", "passwd", "ann"}, "Second-password-2\n");
  ASSERT_EQ(passwd.exit_code, 0) << describe(passwd);
  parseOneObject(passwd);
  EXPECT_EQ(login("ann", "Second-password-2"), 200);
  EXPECT_EQ(login("ann", "First-password-1"), 401);

  auto listed = ctl({"-o", "json", "user", "list"});
  ASSERT_EQ(listed.exit_code, 0) << describe(listed);
  auto list = parseOneObject(listed)->getArray("users");
  ASSERT_FALSE(list.isNull());
  ASSERT_EQ(list->size(), 2u) << listed.out;

  auto del = ctl({"-o", "json", "user", "del", "ann"});
  ASSERT_EQ(del.exit_code, 0) << describe(del);
  auto deleted = parseOneObject(del);
  EXPECT_EQ(deleted->getValue<std::string>("username"), "ann");
  EXPECT_TRUE(deleted->getValue<bool>("deleted"));
  auto again = ctl({"user", "del", "ann"});
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_NE(again.err.find("not_found"), std::string::npos) << describe(again);
  auto after = ctl({"user", "list"});
  EXPECT_EQ(after.out.find("ann"), std::string::npos) << after.out;
}

TEST_F(CtlTest, UserDisableRoleTokensAndRevokeInBothModes) {
  startDaemon({"-D", "ratelimit.enabled=false"});
  ASSERT_EQ(ctl({"user", "add", "ann", "--role", "viewer"}, "First-password-1\n").exit_code, 0);
  ASSERT_EQ(login("ann", "First-password-1"), 200);

  RunResult table;
  auto tokens = bothModes({"user", "tokens", "ann"}, table);
  EXPECT_NE(table.out.find("LAST USED"), std::string::npos) << describe(table);
  ASSERT_FALSE(tokens->getArray("tokens").isNull());
  ASSERT_EQ(tokens->getArray("tokens")->size(), 1u);
  const std::string id = tokens->getArray("tokens")->getObject(0)->getValue<std::string>("id");
  EXPECT_NE(table.out.find(id), std::string::npos) << describe(table);

  auto revoke = ctl({"user", "revoke", "ann", id});
  EXPECT_EQ(revoke.exit_code, 0) << describe(revoke);
  EXPECT_EQ(revoke.out, "revoked token " + id + " of ann\n");
  auto again = ctl({"user", "revoke", "ann", id});
  EXPECT_EQ(again.exit_code, 1) << describe(again);
  EXPECT_NE(again.err.find("not_found"), std::string::npos) << describe(again);

  ASSERT_EQ(login("ann", "First-password-1"), 200);
  ASSERT_EQ(login("ann", "First-password-1"), 200);
  auto all = ctl({"-o", "json", "user", "revoke", "ann", "--all"});
  ASSERT_EQ(all.exit_code, 0) << describe(all);
  EXPECT_EQ(parseOneObject(all)->getValue<int64_t>("revoked"), 2);

  auto disable = ctl({"user", "disable", "ann"});
  EXPECT_EQ(disable.exit_code, 0) << describe(disable);
  EXPECT_EQ(disable.out, "disabled user ann\n");
  EXPECT_EQ(login("ann", "First-password-1"), 403);
  auto listed = ctl({"user", "list"});
  EXPECT_NE(listed.out.find("disabled"), std::string::npos) << describe(listed);
  auto enable = ctl({"-o", "json", "user", "enable", "ann"});
  ASSERT_EQ(enable.exit_code, 0) << describe(enable);
  EXPECT_FALSE(parseOneObject(enable)->getValue<bool>("disabled"));
  EXPECT_EQ(login("ann", "First-password-1"), 200);

  auto role = ctl({"user", "role", "ann", "admin"});
  EXPECT_EQ(role.exit_code, 0) << describe(role);
  EXPECT_EQ(role.out, "user ann is now admin (revoked 1 token)\n");
  auto last = ctl({"user", "role", "ann", "viewer"});
  EXPECT_EQ(last.exit_code, 0) << describe(last);
  auto refused = ctl({"user", "disable", "admin"});
  EXPECT_EQ(refused.exit_code, 1) << describe(refused);
  EXPECT_NE(refused.err.find("conflict"), std::string::npos) << describe(refused);
}

TEST_F(CtlTest, BackupWritesAValidDatabaseInBothModes) {
  startDaemon();
  auto add = ctl({"user", "add", "ann", "--role", "viewer"}, "First-password-1\n");
  ASSERT_EQ(add.exit_code, 0) << describe(add);

  const std::string table_file = dir_.path() + "/table.db";
  auto table = ctl({"backup", table_file});
  ASSERT_EQ(table.exit_code, 0) << describe(table);
  EXPECT_NE(table.out.find("backed up"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(table_file), std::string::npos) << table.out;

  const std::string json_file = dir_.path() + "/json.db";
  auto json = ctl({"-o", "json", "backup", json_file});
  ASSERT_EQ(json.exit_code, 0) << describe(json);
  auto result = parseOneObject(json);
  EXPECT_EQ(result->getValue<std::string>("path"), json_file);
  EXPECT_GT(result->getValue<int64_t>("bytes"), 0);

  for (const auto& file : {table_file, json_file}) {
    auto check = runProgram({"/usr/bin/sqlite3", file, "PRAGMA integrity_check"});
    EXPECT_EQ(check.exit_code, 0) << describe(check);
    EXPECT_EQ(check.out, "ok\n") << describe(check);
    auto users = runProgram({"/usr/bin/sqlite3", file, "SELECT username FROM users ORDER BY 1"});
    EXPECT_EQ(users.out, "admin\nann\n") << describe(users);
  }

  auto bad = ctl({"backup", "/nonexistent-dir/x.db"});
  EXPECT_EQ(bad.exit_code, 1) << describe(bad);
  EXPECT_TRUE(bad.out.empty()) << describe(bad);
}

TEST_F(CtlTest, LoadtestReportsCountsAndEnforcesGates) {
  startDaemon({"-D", "ratelimit.enabled=false"});
  auto custom = ctl({"-o", "json", "loadtest", "--scenario", "custom", "--users", "4", "--requests",
                     "200", "--endpoints", "/health,/api/system/stats"});
  ASSERT_EQ(custom.exit_code, 0) << describe(custom);
  auto report = parseOneObject(custom);
  auto total = report->getObject("total");
  ASSERT_FALSE(total.isNull()) << custom.out;
  EXPECT_EQ(total->getValue<int64_t>("requests"), 200);
  EXPECT_EQ(total->getValue<int64_t>("ok"), 200);
  EXPECT_EQ(total->getValue<int64_t>("server_errors"), 0);
  ASSERT_FALSE(report->getArray("endpoints").isNull());
  EXPECT_EQ(report->getArray("endpoints")->size(), 2u) << custom.out;

  auto gated = ctl({"-o", "json", "loadtest", "--scenario", "custom", "--users", "2", "--requests",
                    "20", "--endpoints", "/health", "--max-p95-ms", "0.0001"});
  EXPECT_EQ(gated.exit_code, 1) << describe(gated);
  EXPECT_NE(gated.err.find("p95"), std::string::npos) << describe(gated);
  auto gated_report = parseOneObject(gated);
  EXPECT_FALSE(gated_report->getValue<bool>("gates_passed"));

  auto rapid = ctl(
      {"-o", "json", "loadtest", "--scenario", "rapid-fire", "--users", "5", "--requests", "100"});
  ASSERT_EQ(rapid.exit_code, 0) << describe(rapid);
  auto rapid_total = parseOneObject(rapid)->getObject("total");
  ASSERT_FALSE(rapid_total.isNull()) << rapid.out;
  EXPECT_EQ(rapid_total->getValue<int64_t>("requests"), 100);
  EXPECT_EQ(rapid_total->getValue<int64_t>("server_errors"), 0) << rapid.out;
  EXPECT_EQ(rapid_total->getValue<int64_t>("errors"), 0) << rapid.out;
  EXPECT_EQ(rapid_total->getValue<int64_t>("rate_limited"), 0) << rapid.out;

  auto table = ctl({"loadtest", "--scenario", "custom", "--users", "2", "--requests", "10",
                    "--endpoints", "/health", "--min-success", "0.5"});
  EXPECT_EQ(table.exit_code, 0) << describe(table);
  EXPECT_NE(table.out.find("GET /health"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace cc::testing
