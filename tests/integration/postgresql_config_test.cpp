#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// db.backend = postgresql as the real binary takes it: a bad configuration is refused with the
// configuration's exit code, a server that cannot be reached fails the start, and neither ever
// quietly opens SQLite instead.
class PostgresqlConfigTest : public ::testing::Test {
 protected:
  std::string passwordFile(const std::string& content, mode_t mode) {
    std::string path = dir_.path() + "/pg.password";
    std::ofstream(path) << content;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }
  std::vector<std::string> daemon(std::vector<std::string> defines, bool check = false) {
    std::vector<std::string> argv = {CC_DAEMON_PATH};
    if (check) argv.emplace_back("--check-config");
    for (auto& d : defines) {
      argv.emplace_back("-D");
      argv.push_back(std::move(d));
    }
    argv.emplace_back("-D");
    argv.push_back("daemon.state_dir=" + dir_.path() + "/state");
    for (const char* port : {"http.port=0", "admin.port=0"}) {
      argv.emplace_back("-D");
      argv.emplace_back(port);
    }
    return argv;
  }
  TempDir dir_;
};

TEST_F(PostgresqlConfigTest, AServerThatCannotBeReachedFailsTheStartWithoutFallingBackToSqlite) {
  auto r = runProgram(
      daemon({"db.backend=postgresql", "db.url=postgresql://cc@127.0.0.1:1/cc",
              "db.password_file=" + passwordFile("hunter2\n", 0600), "db.connect_timeout_s=2"}));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("controlcenterd: postgresql://cc@127.0.0.1:1/cc: "), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos);
  struct stat st {};
  EXPECT_NE(::stat((dir_.path() + "/state/controlcenter.db").c_str(), &st), 0)
      << "no SQLite database was opened instead";
}

TEST_F(PostgresqlConfigTest, CheckConfigAcceptsAPostgresqlConfiguration) {
  auto r = runProgram(daemon({"db.backend=postgresql", "db.url=postgresql://cc@db/cc",
                              "db.password_file=" + passwordFile("s3cret\n", 0600)},
                             true));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
}

TEST_F(PostgresqlConfigTest, CheckConfigRefusesAPasswordInTheUrlWithoutShowingIt) {
  auto r =
      runProgram(daemon({"db.backend=postgresql", "db.url=postgresql://cc:hunter2@db/cc"}, true));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("db.url: must not hold a password"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

TEST_F(PostgresqlConfigTest, CheckConfigRefusesAPasswordFileOthersMayRead) {
  auto r = runProgram(daemon({"db.backend=postgresql", "db.url=postgresql://cc@db/cc",
                              "db.password_file=" + passwordFile("s3cret\n", 0644)},
                             true));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("db.password_file: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(mode 0644)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 problem"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
}

TEST_F(PostgresqlConfigTest, ABadUrlIsRefusedAtStartEvenWithSqliteAndTheUnknownBackendToo) {
  auto r = runProgram(daemon({"db.url=postgresql://db:70000/cc", "db.backend=oracle"}));
  EXPECT_EQ(r.exit_code, 78) << r.err;
  EXPECT_NE(r.err.find("db.url: port '70000' is not a number from 1 to 65535"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("db.backend: must be one of sqlite, postgresql"), std::string::npos)
      << r.err;
}

TEST_F(PostgresqlConfigTest, CheckConfigAcceptsTheDefaultSqliteBackend) {
  auto r = runProgram(daemon({"db.url="}, true));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace cc::testing
