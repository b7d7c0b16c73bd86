// PostgreSQL stopped while the daemon serves: the store breaker opens, readiness fails and the
// store routes answer 503 at once; the server back, the daemon recovers without a restart. An
// idle daemon finds out too: readiness probes the server in the background.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::testing {
namespace {

const std::string kPgCluster = std::string(CC_SOURCE_DIR) + "/scripts/pg-cluster.sh";

// A cluster of the test's own (the run's shared one must stay up for the other tests).
class OwnCluster {
 public:
  OwnCluster() : dir_(::testing::TempDir() + "cc-pg-outage-" + std::to_string(::getpid())) {
    auto started = runProgram({kPgCluster, "start", dir_});
    started_ = started.exit_code == 0;
    const std::string key = "CC_TEST_PG_URL=";
    auto at = started.out.find(key);
    if (at != std::string::npos) {
      url_ = started.out.substr(at + key.size(), started.out.find('\n', at) - at - key.size());
    }
    error_ = started.err;
  }
  ~OwnCluster() { runProgram({kPgCluster, "stop", dir_}); }

  bool started() const { return started_ && !url_.empty(); }
  const std::string& url() const { return url_; }
  const std::string& error() const { return error_; }
  int pause() { return runProgram({kPgCluster, "pause", dir_}).exit_code; }
  int resume() { return runProgram({kPgCluster, "resume", dir_}).exit_code; }

 private:
  std::string dir_;
  bool started_ = false;
  std::string url_;
  std::string error_;
};

// Polls `path` (up to `seconds`) until it answers `status`; the last answer.
HttpResult waitFor(DaemonProcess& d, const std::string& path, int status,
                   const std::map<std::string, std::string>& headers, int seconds) {
  HttpResult r;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
       std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    r = d.get(path, headers);
    if (r.status == status) break;
  }
  return r;
}

TEST(PostgresqlOutageTest, AStoppedServerOpensTheBreakerAndItsReturnClosesItWithoutARestart) {
  if (store::postgresql::PgTestDatabase::serverUrl().empty()) {
    GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
  }
  OwnCluster pg;
  ASSERT_TRUE(pg.started()) << pg.error();
  DaemonProcess d(
      {"-D", "ratelimit.enabled=false", "-D", "db.backend=postgresql", "-D", "db.url=" + pg.url()});
  d.setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
  ASSERT_TRUE(d.start()) << d.log();
  const auto headers = jsonHeaders(loginToken(d, "admin", kAdminPassword));
  auto created =
      d.request("POST", "/api/agents", R"({"name":"before","level":"L1","role":"r"})", headers);
  ASSERT_EQ(created.status, 201) << created.body;

  ASSERT_EQ(pg.pause(), 0);
  // While it serves: the store's failures open the breaker, and readiness follows it.
  HttpResult down;
  bool unready = false;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !unready && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    down = d.get("/api/agents", headers);
    unready = d.get("/health/ready").status == 503;
  }
  EXPECT_TRUE(unready) << d.get("/health").body;
  EXPECT_EQ(down.status, 503) << down.body;
  EXPECT_EQ(jsonField(down.body, "error.code"), "dependency_unavailable") << down.body;
  EXPECT_EQ(d.get("/api/agents", headers).status, 503) << "the open breaker answers";
  EXPECT_EQ(d.get("/health/live").status, 200) << "alive all along: not a reason to restart it";

  ASSERT_EQ(pg.resume(), 0);
  auto back = waitFor(d, "/api/agents", 200, headers, 60);
  ASSERT_EQ(back.status, 200) << back.body << d.log();
  EXPECT_NE(back.body.find("\"before\""), std::string::npos) << back.body;
  EXPECT_EQ(waitFor(d, "/health/ready", 200, {}, 10).status, 200);
  EXPECT_EQ(d.request("POST", "/api/agents", R"({"name":"after","level":"L1","role":"r"})", headers)
                .status,
            201);
}

// No store request at all: only the readiness probe can see the server go and come back.
TEST(PostgresqlOutageTest, AnIdleDaemonIsNotReadyWhileTheServerIsStoppedAndReadyWhenItIsBack) {
  if (store::postgresql::PgTestDatabase::serverUrl().empty()) {
    GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
  }
  OwnCluster pg;
  ASSERT_TRUE(pg.started()) << pg.error();
  DaemonProcess d({"-D", "db.backend=postgresql", "-D", "db.url=" + pg.url()});
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_EQ(waitFor(d, "/health/ready", 200, {}, 10).status, 200) << d.get("/health").body;
  EXPECT_EQ(jsonField(d.get("/health").body, "checks.database.status"), "pass");

  ASSERT_EQ(pg.pause(), 0);
  auto unready = waitFor(d, "/health/ready", 503, {}, 15);
  ASSERT_EQ(unready.status, 503) << unready.body;
  EXPECT_EQ(jsonField(unready.body, "checks.database.status"), "fail") << unready.body;
  auto health = d.get("/health");
  EXPECT_EQ(health.status, 503);
  const std::string why = jsonField(health.body, "checks.database.output");
  EXPECT_NE(why.find("SELECT 1 on postgresql://"), std::string::npos) << health.body;
  EXPECT_NE(why.find("failing since"), std::string::npos) << health.body;
  EXPECT_EQ(jsonField(health.body, "checks.store.status"), "pass")
      << "no request went to the store, so the breaker never saw a failure: " << health.body;
  EXPECT_EQ(d.get("/health/live").status, 200) << "alive all along: not a reason to restart it";
  auto metrics = d.admin("GET", "/metrics");
  EXPECT_NE(metrics.body.find("\ncontrolcenter_db_server_up 0\n"), std::string::npos);

  ASSERT_EQ(pg.resume(), 0);
  auto ready = waitFor(d, "/health/ready", 200, {}, 15);
  ASSERT_EQ(ready.status, 200) << ready.body << d.log();
  EXPECT_EQ(jsonField(ready.body, "checks.database.status"), "pass") << ready.body;
  EXPECT_EQ(d.get("/api/agents", jsonHeaders(mintToken(d, "viewer"))).status, 200)
      << "the pool's sessions cut off by the stop were replaced" << d.log();
}

}  // namespace
}  // namespace cc::testing
