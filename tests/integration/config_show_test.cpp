// GET /admin/config and `controlcenterctl config show` against the real daemon: every value with
// the layer it came from, and the reloaded values after a reload.

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

std::string outcomeText(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// key -> {value, source} from a GET /admin/config document.
std::map<std::string, std::pair<std::string, std::string>> dumpedKeys(const std::string& json) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  try {
    auto document = Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
    auto keys = document->getArray("keys");
    for (std::size_t i = 0; keys && i < keys->size(); ++i) {
      auto key = keys->getObject(static_cast<unsigned>(i));
      out[key->getValue<std::string>("key")] = {key->getValue<std::string>("value"),
                                                key->getValue<std::string>("source")};
    }
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "not a config document: " << e.displayText() << "\n" << json;
  }
  return out;
}

class ConfigShowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conf_ = dir_.path() + "/cc.properties";
    std::ofstream(conf_) << "# the daemon's file\nlog.level = debug\n";
    daemon_.emplace(std::vector<std::string>{"--config", conf_, "-D", "ws.max_connections=77"});
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    ctl_conf_ = dir_.path() + "/ctl.properties";
    std::ofstream(ctl_conf_) << "daemon.state_dir = " << daemon_->stateDir() << "\n";
  }
  RunResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {CC_CTL_PATH, "--config", ctl_conf_});
    return runProgram(args);
  }

  TempDir dir_;
  std::string conf_;
  std::string ctl_conf_;
  std::optional<DaemonProcess> daemon_;
};

TEST_F(ConfigShowTest, AdminRouteNamesTheSourceOfEveryValue) {
  auto r = daemon_->admin("GET", "/admin/config");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "file"), conf_);
  auto keys = dumpedKeys(r.body);
  EXPECT_EQ(keys["log.level"], std::make_pair(std::string("debug"), conf_ + ":2"));
  EXPECT_EQ(keys["ws.max_connections"], std::make_pair(std::string("77"), std::string("--define")));
  EXPECT_EQ(keys["http.port"].second, "--define") << "the test harness sets it";
  EXPECT_EQ(keys["db.pool.max"].second, "default");
  // The token file's path is shown, never the token.
  const std::string token = daemon_->adminToken();
  EXPECT_EQ(r.body.find(token), std::string::npos);

  auto anonymous = httpRequest(daemon_->adminAddress(), "GET", "/admin/config");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(jsonField(anonymous.body, "error.code"), "unauthorized") << anonymous.body;
}

TEST_F(ConfigShowTest, CtlShowsTheTableAndJsonAndTheReloadedValues) {
  auto table = ctl({"config", "show", "log."});
  ASSERT_EQ(table.exit_code, 0) << outcomeText(table);
  EXPECT_NE(table.out.find("config file: " + conf_), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("log.level "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" debug "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(conf_ + ":2"), std::string::npos) << table.out;
  EXPECT_EQ(table.out.find("http.port"), std::string::npos) << "filtered by the prefix";

  std::ofstream(conf_, std::ios::trunc) << "log.level = warn\n";
  auto reload = ctl({"reload"});
  ASSERT_EQ(reload.exit_code, 0) << outcomeText(reload);
  auto json = ctl({"-o", "json", "config", "show"});
  ASSERT_EQ(json.exit_code, 0) << outcomeText(json);
  auto keys = dumpedKeys(json.out);
  EXPECT_EQ(keys["log.level"], std::make_pair(std::string("warn"), conf_ + ":1"));
  EXPECT_EQ(keys["ws.max_connections"].first, "77");
}

}  // namespace
}  // namespace cc::testing
