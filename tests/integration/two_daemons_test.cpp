// Two daemons on one PostgreSQL database, as behind a load balancer: what one writes the other
// reads, names stay unique and counts exact under concurrent creates from both, and tokens,
// issued or revoked, hold on both.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "unit/store/postgresql/pg_test_database.h"

namespace cc::testing {
namespace {

using store::postgresql::PgTestDatabase;

class TwoDaemonsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PgTestDatabase::serverUrl().empty()) {
      GTEST_SKIP() << "CC_TEST_PG_URL is unset; scripts/test.sh starts a PostgreSQL and sets it";
    }
    pg_ = std::make_unique<PgTestDatabase>();
    for (auto* daemon : {&first_, &second_}) {
      *daemon = std::make_unique<DaemonProcess>(std::vector<std::string>{
          "-D", "ratelimit.enabled=false", "-D", "db.backend=postgresql", "-D",
          "db.url=" + pg_->url(), "-D", "auth.token_cache_lifetime_ms=1000"});
      (*daemon)->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
      ASSERT_TRUE((*daemon)->start()) << (*daemon)->log();
    }
  }
  void TearDown() override {
    first_.reset();  // both before their database goes
    second_.reset();
    pg_.reset();
  }

  std::unique_ptr<PgTestDatabase> pg_;
  std::unique_ptr<DaemonProcess> first_;
  std::unique_ptr<DaemonProcess> second_;
};

TEST_F(TwoDaemonsTest, WritesOnOneAreReadOnTheOtherAndATokenFromOneWorksOnBoth) {
  const std::string token = loginToken(*first_, "admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  auto created = createAgent(*first_, token, "shared");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = jsonField(created.body, "id");

  auto read = second_->get("/api/agents/" + id, jsonHeaders(token));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(jsonField(read.body, "name"), "shared");
  auto patched =
      second_->request("PATCH", "/api/agents/" + id, R"({"status":"busy"})", jsonHeaders(token));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(jsonField(first_->get("/api/agents/" + id, jsonHeaders(token)).body, "status"), "busy");
  EXPECT_EQ(jsonField(first_->get("/api/agents/stats", jsonHeaders(token)).body, "by_status.busy"),
            "1");
  // The name is taken for the other daemon too.
  EXPECT_EQ(createAgent(*second_, token, "shared").status, 409);
}

TEST_F(TwoDaemonsTest, ConcurrentCreatesFromBothKeepNamesUniqueAndCountsExact) {
  const std::string token = loginToken(*first_, "admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  constexpr int kNames = 25;
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    DaemonProcess& daemon = c % 2 == 0 ? *first_ : *second_;
    clients.emplace_back([&] {
      for (int i = 0; i < kNames; ++i) {
        const int status = createAgent(daemon, token, "agent-" + std::to_string(i)).status;
        if (status == 201) {
          ++created;
        } else if (status == 409) {
          ++conflicts;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(created.load(), kNames);
  EXPECT_EQ(conflicts.load(), 3 * kNames);
  EXPECT_EQ(other.load(), 0);
  for (auto* daemon : {first_.get(), second_.get()}) {
    auto stats = daemon->get("/api/agents/stats", jsonHeaders(token));
    EXPECT_EQ(jsonField(stats.body, "total"), std::to_string(kNames)) << stats.body;
    EXPECT_EQ(jsonField(stats.body, "by_level.L2"), std::to_string(kNames)) << stats.body;
    EXPECT_EQ(jsonField(daemon->get("/api/agents?limit=1", jsonHeaders(token)).body, "total"),
              std::to_string(kNames));
  }
}

TEST_F(TwoDaemonsTest, ARevocationOnOneHoldsOnTheOtherWithinASecond) {
  const std::string token = loginToken(*first_, "admin", kAdminPassword);
  ASSERT_FALSE(token.empty());
  // Cached on the second daemon now.
  ASSERT_EQ(second_->get("/api/auth/validate", jsonHeaders(token)).status, 200);
  ASSERT_EQ(first_->request("POST", "/api/auth/logout", {}, jsonHeaders(token)).status, 204);
  EXPECT_EQ(first_->get("/api/auth/validate", jsonHeaders(token)).status, 401);
  // auth.token_cache_lifetime_ms = 1000: past it the second daemon asks the store again.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto after = second_->get("/api/auth/validate", jsonHeaders(token));
  EXPECT_EQ(after.status, 401) << after.body;

  // The same for a token whose user is disabled on the other daemon.
  auto created = second_->admin("POST", "/admin/users",
                                R"({"username":"ann","password":"ann password","role":"viewer"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string ann = loginToken(*second_, "ann", "ann password");
  ASSERT_FALSE(ann.empty());
  ASSERT_EQ(first_->get("/api/agents", jsonHeaders(ann)).status, 200);  // cached there now
  auto disabled = second_->admin("PATCH", "/admin/users/ann", R"({"disabled":true})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(first_->get("/api/agents", jsonHeaders(ann)).status, 401);
}

}  // namespace
}  // namespace cc::testing
