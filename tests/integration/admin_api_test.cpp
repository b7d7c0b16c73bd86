#include <gtest/gtest.h>

#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

class AdminApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()) << daemon_.log(); }
  DaemonProcess daemon_;
};

TEST_F(AdminApiTest, StatusNeedsTheToken) {
  auto none = httpRequest(daemon_.adminAddress(), "GET", "/admin/status");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(jsonField(none.body, "error.code"), "unauthorized");
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"controlcenter-admin\"");
  auto wrong = httpRequest(daemon_.adminAddress(), "GET", "/admin/status", {},
                           {{"Authorization", "Bearer " + std::string(64, 'a')}});
  EXPECT_EQ(wrong.status, 401);
}

TEST_F(AdminApiTest, StatusDescribesTheProcess) {
  daemon_.get("/health");
  auto r = daemon_.admin("GET", "/admin/status");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "version"), CC_VERSION);
  EXPECT_EQ(jsonField(r.body, "pid"), std::to_string(daemon_.pid()));
  EXPECT_EQ(jsonField(r.body, "listeners.http"), daemon_.httpAddress());
  EXPECT_EQ(jsonField(r.body, "listeners.admin"), daemon_.adminAddress());
  EXPECT_EQ(jsonField(r.body, "log_level"), "info");
  EXPECT_EQ(jsonField(r.body, "http.threads_max"), "256");
  EXPECT_EQ(jsonField(r.body, "http.connections_refused"), "0");
  EXPECT_GE(std::stoi(jsonField(r.body, "http.requests_total")), 1);
  EXPECT_EQ(jsonField(r.body, "draining"), "false");
}

TEST_F(AdminApiTest, LogLevelCanBeChangedAndBadLevelsAreRejected) {
  auto r = daemon_.admin("PUT", "/admin/log-level", R"({"level":"debug"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(jsonField(r.body, "level"), "debug");
  auto bad = daemon_.admin("PUT", "/admin/log-level", R"({"level":"loud"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(jsonField(bad.body, "error.field"), "level");
  auto notjson = daemon_.admin("PUT", "/admin/log-level", "{nope");
  EXPECT_EQ(notjson.status, 400);
}

TEST_F(AdminApiTest, AdminRoutesAreNotOnThePublicListener) {
  EXPECT_EQ(daemon_.get("/admin/status").status, 404);
}

}  // namespace
}  // namespace cc::testing

#include <sys/stat.h>

#include <fstream>

namespace cc::testing {
namespace {

TEST(AdminUnixSocketTest, TheAdminApiAlsoAnswersOnAUnixSocketWithMode0660) {
  TempDir dir;
  std::string sock = dir.path() + "/run/admin.sock";
  DaemonProcess d({"-D", "admin.socket=" + sock});
  ASSERT_TRUE(d.start()) << d.log();
  struct stat st {};
  ASSERT_EQ(::lstat(sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  auto r = runProgram({CC_CTL_PATH, "--admin", "unix:" + sock, "--token-file",
                       d.stateDir() + "/admin.token", "-o", "json", "status"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(jsonField(r.out, "pid"), std::to_string(d.pid()));
  auto wrong =
      runProgram({CC_CTL_PATH, "--admin", "unix:" + sock, "--token-file", "/dev/null", "status"});
  EXPECT_EQ(wrong.exit_code, 4) << wrong.err;
}

// A reload builds the whole new configuration first: with any problem nothing is applied, not
// even the good keys, and the reply and the log name every key at fault.
TEST(AdminReloadTest, ABadConfigurationIsRefusedNamingEveryKeyAndNothingChanges) {
  TempDir dir;
  const std::string conf = dir.path() + "/cc.properties";
  std::ofstream(conf) << "log.level = info\n";
  DaemonProcess d({"--config", conf});
  ASSERT_TRUE(d.start()) << d.log();

  std::ofstream(conf, std::ios::trunc) << "log.level = debug\n"
                                          "ratelimit.rules = login, api, search\n"
                                          "ratelimit.rule.search.paths = /api/search\n"
                                          "ratelimit.rule.serch.burst = 3\n"
                                          "cache.rule.typo.ttl_ms = 10\n";
  auto refused = d.admin("POST", "/admin/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error.code"), "bad_request");
  const std::string message = jsonField(refused.body, "error.message");
  EXPECT_NE(message.find("the running one stays"), std::string::npos) << message;
  EXPECT_NE(message.find("ratelimit.rule.search.rate"), std::string::npos) << message;
  EXPECT_NE(message.find("ratelimit.rule.serch.burst"), std::string::npos) << message;
  EXPECT_NE(message.find("cache.rule.typo.ttl_ms"), std::string::npos) << message;
  EXPECT_EQ(jsonField(d.admin("GET", "/admin/log-level").body, "level"), "info");
  EXPECT_EQ(jsonArraySize(d.admin("GET", "/admin/ratelimit").body, "rules"), 2);
  const std::string log = d.log();
  EXPECT_NE(log.find("reload rejected: ratelimit.rule.search.rate"), std::string::npos) << log;
  EXPECT_NE(log.find("reload rejected: cache.rule.typo.ttl_ms"), std::string::npos) << log;
  EXPECT_NE(log.find("reload rejected: ratelimit.rule.serch.burst"), std::string::npos) << log;
  EXPECT_NE(log.find("reload rejected (3 problems)"), std::string::npos) << log;

  std::ofstream(conf, std::ios::trunc) << "log.level = debug\n";
  auto applied = d.admin("POST", "/admin/reload");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(jsonField(d.admin("GET", "/admin/log-level").body, "level"), "debug");
}

// Reload used to reach the http and admin listeners only: the Unix socket kept the body limit,
// timeouts and access-log setting it started with.
TEST(AdminUnixSocketTest, ReloadAppliesToTheUnixSocketListenerToo) {
  TempDir dir;
  const std::string sock = dir.path() + "/run/admin.sock";
  const std::string conf = dir.path() + "/cc.properties";
  std::ofstream(conf) << "http.max_body_bytes = 1048576\n";
  DaemonProcess d({"--config", conf, "-D", "admin.socket=" + sock});
  ASSERT_TRUE(d.start()) << d.log();
  auto overUnix = [&] {
    return runProgram({CC_CTL_PATH, "--admin", "unix:" + sock, "--token-file",
                       d.stateDir() + "/admin.token", "log-level", "info"});
  };
  ASSERT_EQ(overUnix().exit_code, 0);

  std::ofstream(conf, std::ios::trunc) << "http.max_body_bytes = 4\n";
  ASSERT_EQ(d.admin("POST", "/admin/reload").status, 200);
  EXPECT_EQ(d.admin("PUT", "/admin/log-level", R"({"level":"info"})").status, 413);
  auto refused = overUnix();
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.err.find("413"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace cc::testing
