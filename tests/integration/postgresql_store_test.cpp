// The daemon on PostgreSQL: what only a real server shows (its connections cut, backup refused
// for pg_dump). The domain API itself runs on both backends in store_api_test.cpp.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "store/postgresql/pg_session.h"
#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::testing {
namespace {

using store::postgresql::execSimple;
using store::postgresql::PgTestDatabase;

class PostgresqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PgTestDatabase::serverUrl().empty()) {
      GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
    }
    pg_ = std::make_unique<PgTestDatabase>();
    daemon_ = std::make_unique<DaemonProcess>(
        std::vector<std::string>{"-D", "ratelimit.enabled=false", "-D", "db.backend=postgresql",
                                 "-D", "db.url=" + pg_->url(), "-D", "db.pool.min=2"});
    daemon_->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    admin_ = loginToken(*daemon_, "admin", kAdminPassword);
    ASSERT_FALSE(admin_.empty());
  }
  void TearDown() override {
    daemon_.reset();  // before its database goes
    pg_.reset();
  }

  std::unique_ptr<PgTestDatabase> pg_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string admin_;
};

TEST_F(PostgresqlStoreTest, CtlBackupIsRefusedWithA4xxThatNamesPgDump) {
  TempDir dir;
  const std::string config = dir.path() + "/ctl.properties";
  std::ofstream(config) << "daemon.state_dir = " << daemon_->stateDir() << "\n";
  auto r = runProgram({CC_CTL_PATH, "--config", config, "backup", dir.path() + "/copy.db"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("pg_dump"), std::string::npos) << r.err;
  auto api = daemon_->admin("POST", "/admin/backup", R"({"path":"/nonexistent/copy.db"})");
  EXPECT_EQ(api.status, 400) << api.body;
  EXPECT_EQ(jsonField(api.body, "error.code"), "bad_request") << api.body;
  EXPECT_NE(api.body.find("pg_dump"), std::string::npos) << api.body;
}

TEST_F(PostgresqlStoreTest, EveryConnectionCutByTheServerIsReplacedWithoutARestart) {
  ASSERT_EQ(daemon_->get("/health/ready").status, 200);
  auto created = daemon_->request(
      "POST", "/api/agents", R"({"name":"before","level":"L1","role":"r"})", jsonHeaders(admin_));
  ASSERT_EQ(created.status, 201) << created.body;
  // As a server restart or a failover does to them: every session of the daemon is gone.
  auto server = pg_->openServer();
  const std::string cut = execSimple(
      *server, "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                   pg_->name() + "'");
  ASSERT_GE(std::stoi(cut), 1);
  // Each borrowed session answers SELECT 1 first, so the dead ones are replaced on the way.
  auto list = daemon_->get("/api/agents", jsonHeaders(admin_));
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(jsonField(list.body, "total"), "1") << list.body;
  auto after = daemon_->request("POST", "/api/agents",
                                R"({"name":"after","level":"L1","role":"r"})", jsonHeaders(admin_));
  EXPECT_EQ(after.status, 201) << after.body;
  EXPECT_EQ(daemon_->get("/health/ready").status, 200);
}

}  // namespace
}  // namespace cc::testing
