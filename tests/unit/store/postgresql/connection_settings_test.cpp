#include "store/postgresql/connection_settings.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/key_table.h"

namespace cc::store::postgresql {
namespace {

class ConnectionSettingsTest : public ::testing::Test {
 protected:
  void TearDown() override { std::remove(file_.c_str()); }

  void writePassword(const std::string& content, mode_t mode) {
    std::ofstream(file_) << content;
    ASSERT_EQ(::chmod(file_.c_str(), mode), 0);
  }

  ConnectionSettings build(const config::ConfigLoader::Defines& defines) {
    auto loaded = config::ConfigLoader::load("", defines);
    EXPECT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems.front());
    problems_.clear();
    return loaded.ok() ? ConnectionSettings::fromConfig(*loaded.config, problems_)
                       : ConnectionSettings{};
  }

  std::string file_ = ::testing::TempDir() + "/cc_pg_password_" + std::to_string(::getpid());
  config::Problems problems_;
};

TEST_F(ConnectionSettingsTest, ReadsThePasswordFileAndTheConnectTimeout) {
  writePassword("s3cret=value\n", 0600);
  ConnectionSettings s = build({{"db.url", "postgresql://cc@db:5433/cc"},
                                {"db.password_file", file_},
                                {"db.connect_timeout_s", "7"}});
  EXPECT_TRUE(problems_.empty());
  EXPECT_EQ(s.password, "s3cret=value");
  EXPECT_EQ(s.conninfo(),
            "host=db port=5433 dbname=cc user=cc password=s3cret=value connect_timeout=7");
  EXPECT_EQ(s.url.display(), "postgresql://cc@db:5433/cc");
}

TEST_F(ConnectionSettingsTest, RefusesAPasswordFileOthersMayReadNamingTheKeyNotThePassword) {
  writePassword("hunter2\n", 0644);
  build({{"db.url", "postgresql://cc@db/cc"}, {"db.password_file", file_}});
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].key, "db.password_file");
  EXPECT_NE(problems_[0].message.find("0644"), std::string::npos) << problems_[0].message;
  EXPECT_EQ(problems_[0].message.find("hunter2"), std::string::npos);
}

TEST_F(ConnectionSettingsTest, RefusesAMissingOrEmptyPasswordFileAndAPasswordWithASpace) {
  build({{"db.url", "postgresql://cc@db/cc"}, {"db.password_file", file_ + ".missing"}});
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].key, "db.password_file");

  writePassword("\n", 0600);
  build({{"db.url", "postgresql://cc@db/cc"}, {"db.password_file", file_}});
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_NE(problems_[0].message.find("holds no password"), std::string::npos);

  writePassword("two words\n", 0600);
  build({{"db.url", "postgresql://cc@db/cc"}, {"db.password_file", file_}});
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_NE(problems_[0].message.find("whitespace"), std::string::npos);
  EXPECT_EQ(problems_[0].message.find("two words"), std::string::npos);
}

TEST_F(ConnectionSettingsTest, NeedsAUrl) {
  build({});
  ASSERT_EQ(problems_.size(), 1U);
  EXPECT_EQ(problems_[0].key, "db.url");
}

TEST_F(ConnectionSettingsTest, TheKeyTableRefusesABadUrlNamingTheKeyAndRedactsThePasswordFile) {
  auto loaded = config::ConfigLoader::load("", {{"db.url", "postgresql://cc@db:99999/cc"}});
  ASSERT_EQ(loaded.problems.size(), 1U);
  EXPECT_EQ(loaded.problems[0].rfind("db.url: port '99999'", 0), 0U) << loaded.problems[0];
  EXPECT_TRUE(config::isSecretKey("db.password_file"));
  EXPECT_EQ(config::shownValue("db.password_file", "/etc/cc/pg.pw"), config::kRedacted);
  EXPECT_FALSE(config::isSecretKey("db.url"));
  auto backend = config::ConfigLoader::load("", {{"db.backend", "mysql"}});
  ASSERT_EQ(backend.problems.size(), 1U);
  EXPECT_EQ(backend.problems[0].rfind("db.backend: must be one of sqlite, postgresql", 0), 0U);
}

}  // namespace
}  // namespace cc::store::postgresql
