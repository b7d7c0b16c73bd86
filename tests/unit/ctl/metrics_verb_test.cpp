#include <gtest/gtest.h>

#include "client/prometheus_text.h"
#include "unit/ctl/daemon_fixture.h"
#include "unit/ctl/fake_daemon.h"

namespace cc::ctl {
namespace {

// A piece of what GET /metrics answers on the admin listener.
constexpr const char* kScrape =
    "# HELP controlcenter_db_pool_sessions Store sessions by state.\n"
    "# TYPE controlcenter_db_pool_sessions gauge\n"
    "controlcenter_db_pool_sessions{state=\"in_use\"} 1\n"
    "controlcenter_db_pool_sessions{state=\"idle\"} 4\n"
    "# HELP controlcenter_db_pool_wait_seconds Time spent waiting for a store session.\n"
    "# TYPE controlcenter_db_pool_wait_seconds histogram\n"
    "controlcenter_db_pool_wait_seconds_bucket{le=\"0.001\"} 3\n"
    "controlcenter_db_pool_wait_seconds_bucket{le=\"+Inf\"} 5\n"
    "controlcenter_db_pool_wait_seconds_sum 0.25\n"
    "controlcenter_db_pool_wait_seconds_count 5\n"
    "# HELP controlcenter_http_requests_total HTTP requests answered.\n"
    "# TYPE controlcenter_http_requests_total counter\n"
    "controlcenter_http_requests_total{route=\"/api/agents\",method=\"GET\",code=\"200\"} 7\n"
    "# HELP process_threads Threads.\n"
    "# TYPE process_threads gauge\n"
    "process_threads 12\n";

class CtlMetricsTest : public testing::CtlDaemonFixture {
 protected:
  void SetUp() override {
    CtlDaemonFixture::SetUp();
    admin_.answer("GET /metrics", {200, kScrape, "text/plain; version=0.0.4; charset=utf-8"});
  }
};

TEST_F(CtlMetricsTest, PrintsTheFamiliesWhoseNameStartsWithThePrefixWithTheirHelpAndType) {
  auto outcome = run({"metrics", "controlcenter_db_pool"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "# HELP controlcenter_db_pool_sessions Store sessions by state.\n"
            "# TYPE controlcenter_db_pool_sessions gauge\n"
            "controlcenter_db_pool_sessions{state=\"in_use\"} 1\n"
            "controlcenter_db_pool_sessions{state=\"idle\"} 4\n"
            "# HELP controlcenter_db_pool_wait_seconds Time spent waiting for a store session.\n"
            "# TYPE controlcenter_db_pool_wait_seconds histogram\n"
            "controlcenter_db_pool_wait_seconds_bucket{le=\"0.001\"} 3\n"
            "controlcenter_db_pool_wait_seconds_bucket{le=\"+Inf\"} 5\n"
            "controlcenter_db_pool_wait_seconds_sum 0.25\n"
            "controlcenter_db_pool_wait_seconds_count 5\n");
  ASSERT_EQ(admin_.seen().size(), 1u);
  EXPECT_EQ(admin_.seen()[0].authorization, std::string("Bearer ") + kAdminToken);
}

TEST_F(CtlMetricsTest, APrefixInsideAFamilyKeepsItsHelpAndType) {
  auto outcome = run({"metrics", "controlcenter_db_pool_wait_seconds_count"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "# HELP controlcenter_db_pool_wait_seconds Time spent waiting for a store session.\n"
            "# TYPE controlcenter_db_pool_wait_seconds histogram\n"
            "controlcenter_db_pool_wait_seconds_count 5\n");
}

TEST_F(CtlMetricsTest, WithoutAPrefixEveryMetricIsPrinted) {
  auto outcome = run({"metrics"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, kScrape);
}

TEST_F(CtlMetricsTest, JsonIsAListOfNameLabelsAndValue) {
  auto outcome = run({"metrics", "controlcenter_http", "-o", "json"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out,
            "[\n  {\n    \"name\": \"controlcenter_http_requests_total\",\n    \"labels\": {\n"
            "      \"route\": \"/api/agents\",\n      \"method\": \"GET\",\n"
            "      \"code\": \"200\"\n    },\n    \"value\": 7\n  }\n]\n");
}

TEST_F(CtlMetricsTest, NoMatchExits1NamingThePrefix) {
  auto outcome = run({"metrics", "nothing_like_this"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(outcome.out, "");
  EXPECT_NE(outcome.err.find("no metric name starts with 'nothing_like_this'"), std::string::npos)
      << outcome.err;
}

TEST_F(CtlMetricsTest, MoreThanOnePrefixIsAUsageError) {
  auto outcome = run({"metrics", "a", "b"});
  EXPECT_EQ(outcome.code, 3) << outcome.err;
}

TEST(PrometheusTextTest, ParsesLabelsWithEscapesAndSkipsMalformedLines) {
  auto samples = client::parseSamples({"# TYPE x gauge", R"(x{a="q\"uote",b="back\\slash"} 1.5)",
                                       "y +Inf", "z{a=\"open} 1", "w{le=\"+Inf\"} 3 1700000000"});
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].name, "x");
  ASSERT_EQ(samples[0].labels.size(), 2u);
  EXPECT_EQ(samples[0].labels[0].second, "q\"uote");
  EXPECT_EQ(samples[0].labels[1].second, "back\\slash");
  EXPECT_EQ(samples[0].value, "1.5");
  EXPECT_EQ(samples[1].value, "+Inf");
  EXPECT_EQ(samples[2].name, "w");
  EXPECT_EQ(samples[2].value, "3");
}

}  // namespace
}  // namespace cc::ctl
