// fault.db.* on the real daemon, on each store backend: an error rate of 1 answers 503 and opens
// the breaker, a delay past the request deadline answers 504 `timeout`; cleared, the store
// serves again.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "support/store_backends.h"

namespace cc::testing {
namespace {

using Clock = std::chrono::steady_clock;

class StoreFaultsTest : public StoreBackendTest {
 protected:
  // A daemon on this test's backend with `args`, and a viewer token used once, so that it is
  // validated (and cached) before any fault.
  void startWith(std::vector<std::string> args) {
    for (const auto& a : backendArgs()) args.push_back(a);
    daemon_ = std::make_unique<DaemonProcess>(std::move(args));
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    viewer_ = mintToken(*daemon_, "viewer");
    ASSERT_EQ(agents().status, 200);
  }
  HttpResult agents() { return daemon_->get("/api/agents", jsonHeaders(viewer_)); }
  // Polls /api/agents (up to `seconds`) until it answers `status`; the last answer.
  HttpResult agentsUntil(int status, int seconds) {
    HttpResult r;
    for (auto until = Clock::now() + std::chrono::seconds(seconds); Clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
      r = agents();
      if (r.status == status) break;
    }
    return r;
  }
  std::string breakerState() {
    auto breakers = daemon_->admin("GET", "/admin/breakers");
    return jsonField(jsonArrayItem(breakers.body, "breakers", "name", "db"), "state");
  }

  std::unique_ptr<DaemonProcess> daemon_;
  std::string viewer_;
};

TEST_P(StoreFaultsTest, AnErrorRateOfOneAnswers503OpensTheBreakerAndClearedTheStoreServes) {
  // open_ms only needs to outlast the one request after the third failure; the states checked
  // after it stay as they are until the next store request (the breaker moves when asked).
  startWith({"-D", "ratelimit.enabled=false", "-D", "breaker.db.failure_threshold=3", "-D",
             "breaker.db.open_ms=3000"});
  ASSERT_EQ(daemon_->admin("PUT", "/admin/faults/db", R"({"error_rate":1})").status, 200);
  for (int i = 0; i < 3; ++i) {
    auto r = agents();
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(jsonField(r.body, "error.code"), "dependency_unavailable") << r.body;
  }
  auto open = agents();
  EXPECT_EQ(open.status, 503);
  EXPECT_EQ(jsonField(open.body, "error.code"), "dependency_unavailable");
  EXPECT_NE(jsonField(open.body, "error.message").find("circuit breaker"), std::string::npos)
      << open.body;
  EXPECT_GE(std::stoi("0" + open.header("Retry-After")), 1);
  auto faults = daemon_->admin("GET", "/admin/faults");
  EXPECT_EQ(jsonField(faults.body, "db.injected_errors_total"), "3")
      << "the open breaker kept the fourth request from the store: " << faults.body;
  EXPECT_EQ(breakerState(), "open");
  auto ready = daemon_->get("/health/ready");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(jsonField(ready.body, "checks.store.status"), "fail") << ready.body;
  EXPECT_EQ(daemon_->get("/health/live").status, 200);

  ASSERT_EQ(daemon_->admin("DELETE", "/admin/faults/db").status, 200);
  auto back = agentsUntil(200, 20);
  EXPECT_EQ(back.status, 200) << "a probe after breaker.db.open_ms went through: " << back.body;
  EXPECT_EQ(daemon_->get("/health/ready").status, 200) << daemon_->get("/health").body;
  EXPECT_EQ(breakerState(), "closed");
}

TEST_P(StoreFaultsTest, ADelayPastTheDeadlineAnswers504TimeoutAndClearedTheStoreServes) {
  // The deadline is lowered by a reload once the token exists: minting it hashes a password,
  // which may itself take longer than 500 ms on a loaded machine.
  TempDir dir;
  const std::string conf = dir.path() + "/cc.properties";
  std::ofstream(conf) << "ratelimit.enabled = false\n";
  startWith({"--config", conf});
  std::ofstream(conf, std::ios::app) << "http.request_timeout_ms = 500\n";
  ASSERT_EQ(daemon_->admin("POST", "/admin/reload").status, 200);
  // The longest delay there is (a minute, 120 deadlines): a 200 could only come after it.
  ASSERT_EQ(daemon_->admin("PUT", "/admin/faults/db", R"({"delay_ms":60000})").status, 200);
  auto slow = agents();
  EXPECT_EQ(slow.status, 504) << slow.body;
  EXPECT_EQ(jsonField(slow.body, "error.code"), "timeout") << slow.body;

  ASSERT_EQ(daemon_->admin("DELETE", "/admin/faults/db").status, 200);
  auto back = agentsUntil(200, 15);
  EXPECT_EQ(back.status, 200) << back.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreFaultsTest, kStoreBackends, storeBackendName);

}  // namespace
}  // namespace cc::testing
