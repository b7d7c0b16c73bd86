#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// CORS on the real daemon's public listener (http.cors.allowed_origins).

namespace cc::testing {
namespace {

constexpr const char* kDashboard = "https://dash.example.com";

std::map<std::string, std::string> preflightHeaders(const std::string& origin) {
  return {{"Origin", origin},
          {"Access-Control-Request-Method", "POST"},
          {"Access-Control-Request-Headers", "authorization, content-type"}};
}

class CorsApiTest : public ::testing::Test {
 protected:
  void startWith(std::vector<std::string> args) {
    daemon_ = std::make_unique<DaemonProcess>(std::move(args));
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
  }
  std::unique_ptr<DaemonProcess> daemon_;
};

TEST_F(CorsApiTest, WithoutTheKeyNoAnswerCarriesCorsHeaders) {
  startWith({});
  auto preflight = daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders(kDashboard));
  EXPECT_EQ(preflight.status, 401) << "no CORS: a preflight is an OPTIONS like any other";
  auto get = daemon_->get("/health", {{"Origin", kDashboard}});
  EXPECT_EQ(get.status, 200);
  for (const auto& [name, value] : get.headers) {
    EXPECT_EQ(name.rfind("Access-Control-", 0), std::string::npos) << name << ": " << value;
  }
  EXPECT_EQ(get.header("Vary"), "");
}

TEST_F(CorsApiTest, APreflightNeedsNoTokenAndTheActualRequestsAnswersCarryTheHeaders) {
  startWith({"-D", std::string("http.cors.allowed_origins=http://localhost:3000, ") + kDashboard});
  auto preflight = daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders(kDashboard));
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), kDashboard);
  EXPECT_EQ(preflight.header("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS, POST");
  EXPECT_EQ(preflight.header("Access-Control-Allow-Headers"),
            "Authorization, Content-Type, X-Request-ID");
  EXPECT_EQ(preflight.header("Access-Control-Max-Age"), "600");
  EXPECT_EQ(preflight.header("Vary"), "Origin");

  // Without a token: the 401 envelope, readable by the page.
  auto refused = daemon_->get("/api/agents", {{"Origin", kDashboard}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(jsonField(refused.body, "error.code"), "unauthorized");
  EXPECT_EQ(refused.header("Access-Control-Allow-Origin"), kDashboard);
  EXPECT_NE(refused.header("Access-Control-Expose-Headers").find("X-Request-ID"),
            std::string::npos);

  auto headers = jsonHeaders(mintToken(*daemon_, "viewer"));
  headers["Origin"] = kDashboard;
  auto listed = daemon_->get("/api/agents", headers);
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.header("Access-Control-Allow-Origin"), kDashboard);
  EXPECT_EQ(listed.header("Vary"), "Origin");
}

TEST_F(CorsApiTest, AnotherOriginGetsNoCorsHeadersAndItsPreflightA403) {
  startWith({"-D", std::string("http.cors.allowed_origins=") + kDashboard});
  auto preflight =
      daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders("https://evil.example"));
  EXPECT_EQ(preflight.status, 403);
  EXPECT_EQ(jsonField(preflight.body, "error.code"), "forbidden");
  EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), "");
  auto get = daemon_->get("/health", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.header("Access-Control-Allow-Origin"), "");
  EXPECT_EQ(get.header("Vary"), "Origin");
}

// Answered by the connection before the pipeline runs, and still readable by the page.
TEST_F(CorsApiTest, A413ForABodyOverTheLimitCarriesTheHeaders) {
  startWith({"-D", std::string("http.cors.allowed_origins=") + kDashboard, "-D",
             "http.max_body_bytes=64"});
  auto r = daemon_->request("POST", "/api/agents", std::string(1000, 'x'),
                            {{"Origin", kDashboard}, {"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(jsonField(r.body, "error.code"), "payload_too_large");
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), kDashboard);
}

TEST_F(CorsApiTest, ARateLimited429CarriesTheHeadersAndPreflightsCostNoToken) {
  startWith({"-D", std::string("http.cors.allowed_origins=") + kDashboard, "-D",
             "ratelimit.rule.api.burst=2", "-D", "ratelimit.rule.api.rate=2/h"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders(kDashboard)).status,
              204);
  }
  int limited = 0;
  for (int i = 0; i < 4; ++i) {
    auto r = daemon_->get("/api/agents", {{"Origin", kDashboard}});
    if (r.status != 429) continue;
    ++limited;
    EXPECT_EQ(jsonField(r.body, "error.code"), "rate_limited");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), kDashboard);
  }
  EXPECT_EQ(limited, 2) << "the preflights took none of the two tokens";
}

TEST_F(CorsApiTest, TheAllowedOriginsReloadAndABadOneIsRefused) {
  TempDir dir;
  const std::string conf = dir.path() + "/cc.properties";
  auto write = [&](const std::string& origins) {
    std::ofstream(conf) << "http.cors.allowed_origins = " << origins << "\n";
  };
  write(kDashboard);
  startWith({"--config", conf});
  write("https://other.example");
  auto applied = daemon_->admin("POST", "/admin/reload");
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders(kDashboard)).status,
            403);
  EXPECT_EQ(
      daemon_->request("OPTIONS", "/api/agents", "", preflightHeaders("https://other.example"))
          .status,
      204);
  write("https://other.example/app");
  auto rejected = daemon_->admin("POST", "/admin/reload");
  EXPECT_EQ(rejected.status, 400) << rejected.body;
  EXPECT_NE(rejected.body.find("http.cors.allowed_origins"), std::string::npos) << rejected.body;
}

TEST(CorsApiStartTest, AMalformedOriginIsAConfigurationError) {
  auto run = runProgram(
      {CC_DAEMON_PATH, "--check-config", "-D", "http.cors.allowed_origins=dash.example.com"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("http.cors.allowed_origins"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace cc::testing
