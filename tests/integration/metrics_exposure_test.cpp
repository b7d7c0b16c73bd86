// Where /metrics is served: the admin listener always, the public one only behind a key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

const std::string kScrapeKey(64, 'k');

class MetricsExposureTest : public ::testing::Test {
 protected:
  std::string writeKey(const std::string& key, mode_t mode) {
    std::string path = dir_.path() + "/metrics.key";
    std::ofstream(path, std::ios::trunc) << key << "\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::vector<std::string> publicWith(const std::string& key_file) {
    return {"-D", "metrics.public=true", "-D", "metrics.public_key_file=" + key_file};
  }
  TempDir dir_;
};

TEST_F(MetricsExposureTest, ByDefaultOnlyTheAdminListenerServesMetrics) {
  DaemonProcess d;
  ASSERT_TRUE(d.start()) << d.log();
  EXPECT_EQ(d.get("/metrics").status, 404);
  auto anonymous = httpRequest(d.adminAddress(), "GET", "/metrics");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(jsonField(anonymous.body, "error.code"), "unauthorized");
  auto scrape = d.admin("GET", "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_NE(scrape.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(scrape.body.find("\ncontrolcenter_ready 1\n"), std::string::npos) << scrape.body;
}

TEST_F(MetricsExposureTest, ThePublicListenerWantsTheScrapeKey) {
  DaemonProcess d(publicWith(writeKey(kScrapeKey, 0600)));
  ASSERT_TRUE(d.start()) << d.log();
  auto none = d.get("/metrics");
  EXPECT_EQ(none.status, 401) << none.body;
  EXPECT_EQ(jsonField(none.body, "error.code"), "unauthorized");
  EXPECT_NE(jsonField(none.body, "error.message").find("metrics.public_key_file"),
            std::string::npos)
      << none.body;
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"controlcenter-metrics\"");
  auto wrong = d.get("/metrics", {{"Authorization", "Bearer " + std::string(64, 'x')}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(jsonField(wrong.body, "error.code"), "unauthorized");
  // A user's token is no scrape key.
  auto user = d.get("/metrics", {{"Authorization", "Bearer " + mintToken(d, "viewer")}});
  EXPECT_EQ(user.status, 401);
  auto scrape = d.get("/metrics", {{"Authorization", "Bearer " + kScrapeKey}});
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_NE(scrape.body.find("# TYPE controlcenter_http_requests_total counter"),
            std::string::npos);
  EXPECT_EQ(d.admin("GET", "/metrics").status, 200);
}

TEST_F(MetricsExposureTest, AKeyFileOthersMayReadRefusesToStart) {
  DaemonProcess d(publicWith(writeKey(kScrapeKey, 0644)));
  EXPECT_EQ(d.startExpectingExit(std::chrono::seconds(15)), 78);
  const std::string log = d.log();
  EXPECT_NE(log.find("metrics.public_key_file"), std::string::npos) << log;
  EXPECT_NE(log.find("mode 0644"), std::string::npos) << log;
}

TEST_F(MetricsExposureTest, AShortKeyRefusesToStart) {
  DaemonProcess d(publicWith(writeKey("short", 0600)));
  EXPECT_EQ(d.startExpectingExit(std::chrono::seconds(15)), 78);
  EXPECT_NE(d.log().find("shorter than 32 characters"), std::string::npos) << d.log();
}

TEST_F(MetricsExposureTest, PublicMetricsWithoutAKeyFileIsAConfigProblem) {
  auto r = runProgram({CC_DAEMON_PATH, "--check-config", "-D", "metrics.public=true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("config: metrics.public_key_file: must name the file"), std::string::npos)
      << r.err;
}

TEST_F(MetricsExposureTest, TheExampleAlertRulesPassPromtool) {
  const std::string promtool = promtoolPath();
  if (promtool.empty()) GTEST_SKIP() << "promtool is not installed (Debian: prometheus)";
  auto checked =
      runProgram({promtool, "check", "rules",
                  std::string(CC_SOURCE_DIR) + "/packaging/prometheus/controlcenter-alerts.yml"});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("SUCCESS"), std::string::npos) << checked.out;
}

}  // namespace
}  // namespace cc::testing
