#include <gtest/gtest.h>

#include <fstream>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

class DaemonOptionsTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    std::string path = dir_.path() + "/cc.properties";
    std::ofstream(path) << text;
    return path;
  }
  TempDir dir_;
};

TEST_F(DaemonOptionsTest, VersionAndHelp) {
  auto v = runProgram({CC_DAEMON_PATH, "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, std::string("controlcenterd ") + CC_VERSION + "\n");
  auto h = runProgram({CC_DAEMON_PATH, "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (auto opt : {"--config", "--define", "--check-config", "--version", "--daemon"}) {
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
  }
}

TEST_F(DaemonOptionsTest, CheckConfigAcceptsTheReferenceConfig) {
  auto r = runProgram({CC_DAEMON_PATH, "--check-config", "-c",
                       std::string(CC_SOURCE_DIR) + "/etc/controlcenterd.properties"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("is valid"), std::string::npos);
}

TEST_F(DaemonOptionsTest, CheckConfigListsEveryProblemNamingItsKey) {
  auto conf = write("http.prot = 80\nhttp.threads = 0\nlog.format = xml\n");
  auto r = runProgram(
      {CC_DAEMON_PATH, "--check-config", "--config", conf, "-D", "http.address=nowhere"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("unknown key 'http.prot' (did you mean 'http.port'?)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("http.threads: must be between 1 and 1024"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("log.format: must be one of text, json"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("http.address: expected an IP address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("4 problems"), std::string::npos) << r.err;
}

// How the keys fit together is checked by the same builder start-up and reload use, and every
// problem is listed, not only each component's first.
TEST_F(DaemonOptionsTest, CheckConfigListsEveryProblemOfHowKeysFitTogether) {
  auto conf = write(
      "ratelimit.rules = api, search\n"
      "ratelimit.rule.search.paths = /api/search\n"
      "ratelimit.rule.serch.rate = 5/s\n"
      "cache.rules = processes, agents\n"
      "admin.address = 192.0.2.1\n");
  auto r = runProgram({CC_DAEMON_PATH, "--check-config", "--config", conf});
  EXPECT_EQ(r.exit_code, 1);
  for (auto key :
       {"ratelimit.rule.search.rate: ", "ratelimit.rule.serch.rate: ", "cache.rule.agents.paths: ",
        "cache.rule.agents.ttl_ms: ", "admin.address: 192.0.2.1 is not a loopback address"}) {
    EXPECT_NE(r.err.find(std::string("controlcenterd: config: ") + key), std::string::npos)
        << key << "\n"
        << r.err;
  }
  EXPECT_NE(r.err.find("(5 problems)"), std::string::npos) << r.err;
}

TEST_F(DaemonOptionsTest, DefineOverridesTheFile) {
  auto conf = write("http.threads = 0\n");
  auto r = runProgram({CC_DAEMON_PATH, "--check-config", "-c", conf, "-D", "http.threads=4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(DaemonOptionsTest, InvalidConfigRefusesToStart) {
  auto r =
      runProgram({CC_DAEMON_PATH, "-D", "http.port=-1", "-D", "daemon.state_dir=" + dir_.path()});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("http.port"), std::string::npos);
}

TEST_F(DaemonOptionsTest, MalformedDefineIsAUsageError) {
  auto r = runProgram({CC_DAEMON_PATH, "--check-config", "-D", "http.port"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("--define expects key=value"), std::string::npos) << r.err;
}

TEST_F(DaemonOptionsTest, NonLoopbackAdminNeedsAllowRemote) {
  auto r = runProgram({CC_DAEMON_PATH, "-D", "daemon.state_dir=" + dir_.path(), "-D", "http.port=0",
                       "-D", "admin.port=0", "-D", "admin.address=0.0.0.0"});
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("admin.allow_remote"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace cc::testing
