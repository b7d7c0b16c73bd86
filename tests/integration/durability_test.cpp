#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// What the daemon keeps across a crash or a restart on the same state directory: acknowledged
// writes, users and tokens, the bootstrapped admin.

namespace cc::testing {
namespace {

class DurabilityTest : public ::testing::Test {
 protected:
  std::string state() const { return dir_.path() + "/state"; }

  std::unique_ptr<DaemonProcess> startDaemon() {
    auto d = std::make_unique<DaemonProcess>(
        std::vector<std::string>{"-D", "ratelimit.enabled=false"}, state());
    d->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    EXPECT_TRUE(d->start()) << d->log();
    return d;
  }

  TempDir dir_;
};

TEST_F(DurabilityTest, AcknowledgedAgentsSurviveKillNine) {
  constexpr int kAgents = 60;
  std::set<std::string> ids;
  {
    auto d = startDaemon();
    std::string token = loginToken(*d, "admin", kAdminPassword);
    ASSERT_FALSE(token.empty());
    for (int i = 0; i < kAgents; ++i) {
      auto r = d->request("POST", "/api/agents",
                          R"({"name":"a)" + std::to_string(i) + R"(","level":"L1","role":"r"})",
                          jsonHeaders(token));
      ASSERT_EQ(r.status, 201) << r.body;
      ids.insert(jsonField(r.body, "id"));
    }
    d->signal(SIGKILL);
    ASSERT_EQ(d->waitExit(std::chrono::seconds(10)), 128 + SIGKILL);
  }

  auto check =
      runProgram({"/usr/bin/sqlite3", state() + "/controlcenter.db", "PRAGMA integrity_check;"});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_EQ(check.out, "ok\n") << check.err;

  auto d = startDaemon();
  std::string token = loginToken(*d, "admin", kAdminPassword);
  auto list = d->get("/api/agents?limit=500", jsonHeaders(token));
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(jsonField(list.body, "total"), std::to_string(kAgents));
  for (const auto& id : ids) {
    EXPECT_FALSE(jsonArrayItem(list.body, "items", "id", id).empty()) << "agent " << id;
  }
}

// Every write kind at once (creates, status and level patches, heartbeats, deletes), then a
// kill -9: the maintained counts are written in the same transaction as the rows, so after the
// crash they still equal what COUNT(*) finds.
TEST_F(DurabilityTest, MaintainedCountsEqualCountStarAfterKillNineInAMixedWriteStorm) {
  auto d = startDaemon();
  std::string token = loginToken(*d, "admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  const auto headers = jsonHeaders(token);
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w) {
    writers.emplace_back([&, w] {
      std::vector<std::string> mine;
      for (int i = 0; !stop && i < 100000; ++i) {
        HttpResult r;
        const int kind = i % 5;
        if (kind == 0 || mine.empty()) {
          r = httpRequest(d->httpAddress(), "POST", "/api/agents",
                          R"({"name":"mix-)" + std::to_string(w) + "-" + std::to_string(i) +
                              R"(","level":"L)" + std::to_string(1 + i % 3) +
                              R"(","role":"r","status":"offline"})",
                          headers, 3000);
          if (r.status == 201) mine.push_back(jsonField(r.body, "id"));
        } else if (kind == 1) {
          r = httpRequest(d->httpAddress(), "PATCH", "/api/agents/" + mine.back(),
                          R"({"status":"busy","level":"L3"})", headers, 3000);
        } else if (kind == 2) {
          r = httpRequest(d->httpAddress(), "POST", "/api/agents/" + mine.front() + "/heartbeat",
                          "", headers, 3000);
        } else if (kind == 3 && mine.size() > 2) {
          r = httpRequest(d->httpAddress(), "DELETE", "/api/agents/" + mine.front(), "", headers,
                          3000);
          if (r.status == 204) mine.erase(mine.begin());
        }
        if (r.status / 100 == 2) ++acknowledged;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  d->signal(SIGKILL);
  ASSERT_EQ(d->waitExit(std::chrono::seconds(10)), 128 + SIGKILL);
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_GE(acknowledged.load(), 20) << "the storm never got going";

  // Rows of (dimension, value, n) counted from the table that the maintained table lacks, and
  // the reverse: both empty.
  const std::string counted =
      "SELECT * FROM (SELECT 'total', '', COUNT(*) FROM agents"
      " UNION ALL SELECT 'status', status, COUNT(*) FROM agents GROUP BY status"
      " UNION ALL SELECT 'level', level, COUNT(*) FROM agents GROUP BY level)";
  const std::string maintained =
      "SELECT dimension, value, n FROM row_counts WHERE tbl = 'agents' AND n <> 0"
      " AND dimension IN ('total', 'status', 'level')";
  auto diff = runProgram({"/usr/bin/sqlite3", state() + "/controlcenter.db",
                          "SELECT COUNT(*) FROM (" + counted + " EXCEPT " + maintained +
                              ") UNION ALL SELECT COUNT(*) FROM (" + maintained + " EXCEPT " +
                              counted + ") UNION ALL SELECT COUNT(*) FROM agents;"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(diff.out.substr(0, 4), "0\n0\n") << diff.out;

  auto again = startDaemon();
  token = loginToken(*again, "admin", kAdminPassword);
  auto stats = again->get("/api/agents/stats", jsonHeaders(token));
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(jsonField(stats.body, "total") + "\n", diff.out.substr(4)) << diff.out;
}

TEST_F(DurabilityTest, UsersAndTokensSurviveACleanRestart) {
  std::string token;
  {
    auto d = startDaemon();
    token = loginToken(*d, "admin", kAdminPassword);
    ASSERT_FALSE(token.empty());
    auto user = d->admin("POST", "/admin/users",
                         R"({"username":"carol","password":"long enough","role":"viewer"})");
    ASSERT_EQ(user.status, 201) << user.body;
    d->signal(SIGTERM);
    ASSERT_EQ(d->waitExit(std::chrono::seconds(15)), 0);
  }
  auto d = startDaemon();
  auto validate = d->get("/api/auth/validate", jsonHeaders(token));
  EXPECT_EQ(validate.status, 200) << validate.body;
  EXPECT_EQ(jsonField(validate.body, "username"), "admin");
  std::string carol = loginToken(*d, "carol", "long enough");
  ASSERT_FALSE(carol.empty());
  EXPECT_EQ(jsonField(d->get("/api/auth/validate", jsonHeaders(carol)).body, "role"), "viewer");
  EXPECT_TRUE(loginToken(*d, "carol", "wrong password").empty());
}

class BootstrapPasswordTest : public ::testing::Test {
 protected:
  // The variable must come from setEnv alone: an inherited one would hide the file path.
  void SetUp() override { ::unsetenv("CONTROLCENTER_ADMIN_PASSWORD"); }
};

TEST_F(BootstrapPasswordTest, GeneratedPasswordIsWrittenPrivatelyAndNeverLogged) {
  DaemonProcess d;
  ASSERT_TRUE(d.start()) << d.log();
  std::string path = d.stateDir() + "/initial-admin-password";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string password = readTextFile(path);
  while (!password.empty() && password.back() == '\n') password.pop_back();
  ASSERT_GE(password.size(), 12u);

  EXPECT_FALSE(loginToken(d, "admin", password).empty());
  std::string log = d.log();
  EXPECT_NE(log.find(path), std::string::npos) << log;
  EXPECT_EQ(log.find(password), std::string::npos) << "the password leaked into the log";
}

TEST_F(BootstrapPasswordTest, PasswordFromTheEnvironmentWritesNoFile) {
  DaemonProcess d;
  d.setEnv("CONTROLCENTER_ADMIN_PASSWORD", "from the environment");
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_FALSE(loginToken(d, "admin", "from the environment").empty());
  struct stat st {};
  EXPECT_NE(::stat((d.stateDir() + "/initial-admin-password").c_str(), &st), 0);
  EXPECT_EQ(d.log().find("from the environment"), std::string::npos);
}

}  // namespace
}  // namespace cc::testing
