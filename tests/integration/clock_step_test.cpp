// The wall clock stepping under the real daemon (libfaketime from Debian, wall clock only):
// deadlines, rate limits, the store's breaker and the response cache run on the monotonic
// clock and do not move; token expiry follows wall time, as docs/operations.md says.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

// Where Debian's faketime package puts the preload library (scripts/bootstrap installs it).
constexpr const char* kFaketimeLibrary = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

class ClockStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kFaketimeLibrary)) {
      GTEST_SKIP() << kFaketimeLibrary << " is missing: apt-get install faketime";
    }
    offset_file_ = dir_.path() + "/faketime";
    step("+0");
  }

  // Moves the daemon's wall clock to real time plus `offset` ("+2h", "-90m", "+0"). libfaketime
  // reads the file on every call (FAKETIME_NO_CACHE), so the step is seen at once.
  // The file is replaced, not rewritten in place: the daemon's threads read it all the time, and
  // one that read it between a truncation and the write would see no offset at all.
  void step(const std::string& offset) {
    const std::string next = offset_file_ + ".next";
    std::ofstream(next, std::ios::trunc) << offset;
    std::filesystem::rename(next, offset_file_);
  }

  void startWith(std::vector<std::string> args) {
    daemon_ = std::make_unique<DaemonProcess>(std::move(args));
    daemon_->setEnv("LD_PRELOAD", kFaketimeLibrary);
    daemon_->setEnv("FAKETIME_TIMESTAMP_FILE", offset_file_);
    daemon_->setEnv("FAKETIME_NO_CACHE", "1");
    daemon_->setEnv("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    // ASan wants to be the first library loaded; the preload comes before it here.
    const char* asan = std::getenv("ASAN_OPTIONS");
    daemon_->setEnv("ASAN_OPTIONS",
                    (asan != nullptr ? std::string(asan) + ":" : "") + "verify_asan_link_order=0");
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    // A day's token, so that the steps of the other tests stay inside its lifetime.
    auto minted = daemon_->admin("POST", "/admin/tokens", R"({"role":"viewer","ttl_s":86400})");
    ASSERT_EQ(minted.status, 201) << minted.body;
    viewer_ = jsonField(minted.body, "token");
  }

  HttpResult get(const std::string& path) { return daemon_->get(path, jsonHeaders(viewer_)); }

  TempDir dir_;
  std::string offset_file_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string viewer_;
};

TEST_F(ClockStepTest, TheWallClockRunsUnderTheDaemon) {
  startWith({});
  auto before = daemon_->admin("GET", "/admin/status");
  step("+2d");
  auto after = daemon_->admin("GET", "/admin/status");
  ASSERT_EQ(after.status, 200) << after.body;
  // started_at is taken once; the Date header follows the stepped clock.
  // "Tue, 01 Dec 2026": the day moved, so the preload is in effect.
  EXPECT_NE(before.header("Date").substr(0, 16), after.header("Date").substr(0, 16))
      << before.header("Date") << " / " << after.header("Date");
  EXPECT_EQ(jsonField(before.body, "started_at"), jsonField(after.body, "started_at"));
  const double uptime = std::stod("0" + jsonField(after.body, "uptime_s"));
  EXPECT_LT(uptime, 3600) << "uptime is monotonic: two days of wall clock do not count";
}

TEST_F(ClockStepTest, ARateLimitNeitherRefillsNorSticksWhenTheClockSteps) {
  startWith({"-D", "ratelimit.rule.api.burst=3", "-D", "ratelimit.rule.api.rate=3/h"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(get("/api/agents").status, 200) << "request " << i;
  ASSERT_EQ(get("/api/agents").status, 429);
  step("+5h");  // five hours of wall clock would refill the bucket many times over
  auto forward = get("/api/agents");
  EXPECT_EQ(forward.status, 429) << forward.body;
  step("-5h");
  auto back = get("/api/agents");
  EXPECT_EQ(back.status, 429) << back.body;
  const int retry_after = std::stoi("0" + back.header("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 1200) << "one token of 3/h, not hours of a clock gone backwards";
  ASSERT_EQ(daemon_->admin("DELETE", "/admin/ratelimit?rule=api").status, 200);
  EXPECT_EQ(get("/api/agents").status, 200)
      << "a refilled bucket serves at once, whatever the clock";
}

TEST_F(ClockStepTest, AnOpenBreakerWaitsItsRealOpenPeriod) {
  startWith({"-D", "ratelimit.enabled=false", "-D", "breaker.db.failure_threshold=3", "-D",
             "breaker.db.open_ms=2000"});
  ASSERT_EQ(get("/api/agents").status, 200);
  ASSERT_EQ(daemon_->admin("PUT", "/admin/faults/db", R"({"error_rate":1})").status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get("/api/agents").status, 503);
  step("+1h");
  auto open = get("/api/agents");
  EXPECT_EQ(open.status, 503);
  EXPECT_NE(jsonField(open.body, "error.message").find("circuit breaker"), std::string::npos)
      << "still open: an hour of wall clock is not the breaker's 2 s\n"
      << open.body;
  EXPECT_EQ(jsonField(daemon_->admin("GET", "/admin/faults").body, "db.injected_errors_total"), "3")
      << "no probe reached the store";
  ASSERT_EQ(daemon_->admin("DELETE", "/admin/faults/db").status, 200);
  step("-1h");
  int status = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
       status != 200 && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(std::chrono::milliseconds(100))) {
    status = get("/api/agents").status;
  }
  EXPECT_EQ(status, 200) << "the probe after the real open period closed it";
}

TEST_F(ClockStepTest, ACachedAnswerKeepsItsRealLifetime) {
  startWith({"-D", "ratelimit.enabled=false", "-D", "cache.rule.processes.ttl_ms=60000"});
  ASSERT_EQ(get("/api/system/processes?limit=5").header("X-Cache"), "MISS");
  step("+2h");
  EXPECT_EQ(get("/api/system/processes?limit=5").header("X-Cache"), "HIT")
      << "two hours of wall clock did not expire a 60 s entry";
  step("-2h");
  auto back = get("/api/system/processes?limit=5");
  EXPECT_EQ(back.header("X-Cache"), "HIT");
  EXPECT_LT(std::stoi("0" + back.header("Age")), 60) << "an age from the monotonic clock";
}

TEST_F(ClockStepTest, ADeadlineIsNotCutOrStretchedByAStepDuringTheRequest) {
  TempDir conf_dir;
  const std::string conf = conf_dir.path() + "/cc.properties";
  std::ofstream(conf) << "ratelimit.enabled = false\n";
  startWith({"--config", conf});
  ASSERT_EQ(get("/api/agents").status, 200);
  // A short deadline, set once the token exists (minting it hashes a password, slow under ASan).
  std::ofstream(conf, std::ios::app) << "http.request_timeout_ms = 3000\n";
  ASSERT_EQ(daemon_->admin("POST", "/admin/reload").status, 200);

  // The store takes 1 s; an hour of wall clock passes meanwhile. On wall time the 3 s budget
  // would be spent at once and the answer a 504.
  ASSERT_EQ(daemon_->admin("PUT", "/admin/faults/db", R"({"delay_ms":1000})").status, 200);
  auto forward = std::async(std::launch::async, [&] { return get("/api/agents"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  step("+1h");
  auto r = forward.get();
  EXPECT_EQ(r.status, 200) << r.body;

  // Stepped back an hour, a store slower than the budget is still answered 504 at the
  // deadline, not an hour later (the test client gives up after 10 s).
  ASSERT_EQ(daemon_->admin("PUT", "/admin/faults/db", R"({"delay_ms":8000})").status, 200);
  auto backward = std::async(std::launch::async, [&] { return get("/api/agents"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  step("-1h");
  auto late = backward.get();
  EXPECT_EQ(late.status, 504) << late.body;
  EXPECT_EQ(jsonField(late.body, "error.code"), "timeout");
  daemon_->admin("DELETE", "/admin/faults/db");
}

TEST_F(ClockStepTest, ATokenExpiresByWallTime) {
  startWith({"-D", "ratelimit.enabled=false"});
  const std::string hour = mintToken(*daemon_, "viewer");  // ttl_s 3600
  auto get_with = [&](const std::string& token) {
    return daemon_->get("/api/agents", jsonHeaders(token));
  };
  auto fresh = get_with(hour);
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  step("+2h");
  auto day = get("/api/agents");
  EXPECT_EQ(day.status, 200) << "the day's token is still inside its lifetime\n" << day.body;
  auto expired = get_with(hour);
  EXPECT_EQ(expired.status, 401) << "an hour's token, two hours on the wall clock\n"
                                 << expired.body;
  EXPECT_EQ(jsonField(expired.body, "error.code"), "unauthorized") << expired.body;
  step("+0");
  auto again = get_with(hour);
  EXPECT_EQ(again.status, 200) << "the clock set right again: the token is inside its lifetime\n"
                               << again.body << "\n"
                               << daemon_->log();
}

}  // namespace
}  // namespace cc::testing
