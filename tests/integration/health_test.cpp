#include <gtest/gtest.h>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

class HealthTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(daemon_.start()) << daemon_.log(); }
  DaemonProcess daemon_;
};

TEST_F(HealthTest, AggregateHealthPassesWithHealthJson) {
  auto r = daemon_.get("/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/health+json");
  EXPECT_EQ(jsonField(r.body, "status"), "pass") << r.body;
  EXPECT_EQ(jsonField(r.body, "version"), CC_VERSION);
  EXPECT_FALSE(jsonField(r.body, "uptime_s").empty());
  EXPECT_EQ(jsonField(r.body, "checks.lifecycle.status"), "pass");
}

TEST_F(HealthTest, ApiHealthIsAnAliasAndLiveAndReadyAnswer) {
  auto api = daemon_.get("/api/health");
  EXPECT_EQ(jsonField(api.body, "status"), "pass") << api.body;
  EXPECT_EQ(daemon_.get("/health/live").status, 200);
  auto ready = daemon_.get("/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(jsonField(ready.body, "status"), "pass");
}

TEST_F(HealthTest, HeadWorksOnEveryHealthRoute) {
  for (auto path : {"/health", "/health/live", "/health/ready", "/api/health"}) {
    auto r = daemon_.request("HEAD", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_TRUE(r.body.empty()) << path;
    EXPECT_NE(r.header("Content-Length"), "0") << path;
  }
}

TEST_F(HealthTest, UnknownRouteGetsTheNotFoundEnvelope) {
  auto r = daemon_.get("/no/such/thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(jsonField(r.body, "error.status"), "404");
  EXPECT_EQ(jsonField(r.body, "error.code"), "not_found");
  EXPECT_EQ(jsonField(r.body, "error.request_id"), r.header("X-Request-ID"));
}

TEST_F(HealthTest, WrongMethodGets405WithAllow) {
  auto r = daemon_.request("POST", "/health");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(jsonField(r.body, "error.code"), "method_not_allowed");
  auto options = daemon_.request("OPTIONS", "/health");
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(HealthTest, SaneRequestIdIsKeptAndOthersReplaced) {
  auto kept = daemon_.get("/nope", {{"X-Request-ID", "abc-123.x:y"}});
  EXPECT_EQ(kept.header("X-Request-ID"), "abc-123.x:y");
  EXPECT_EQ(jsonField(kept.body, "error.request_id"), "abc-123.x:y");
  auto replaced = daemon_.get("/health", {{"X-Request-ID", "bad id <script>"}});
  EXPECT_EQ(replaced.header("X-Request-ID").size(), 32u);
  EXPECT_TRUE(daemon_.waitForLog("abc-123.x:y 127.0.0.1 GET /nope 404"))
      << "the access log names the request id, client, method, path and status";
}

}  // namespace
}  // namespace cc::testing
