#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"
#include "support/store_backends.h"

// The domain API over HTTP on the real daemon: one or two cases per category prove the wiring;
// the handlers' details are covered in-process by tests/unit/http. Each test runs on SQLite and
// on PostgreSQL (a database of its own on the CC_TEST_PG_URL server).

namespace cc::testing {
namespace {

using store::StoreBackend;

class StoreApiTest : public StoreBackendTest {
 protected:
  void SetUp() override {
    StoreBackendTest::SetUp();
    if (IsSkipped()) return;
    std::vector<std::string> args = {"-D", "ratelimit.enabled=false", "-D",
                                     "http.max_body_bytes=4096"};
    for (const auto& a : backendArgs()) args.push_back(a);
    daemon_ = std::make_unique<DaemonProcess>(args);
    daemon_->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    admin_ = loginToken(*daemon_, "admin", kAdminPassword);
    ASSERT_FALSE(admin_.empty());
  }

  HttpResult call(const std::string& method, const std::string& path,
                  const std::string& body = {}) {
    return daemon_->request(method, path, body, jsonHeaders(admin_));
  }

  std::string createAgent(const std::string& name, const std::string& level = "L1",
                          const std::string& extra = {}) {
    auto r = call(
        "POST", "/api/agents",
        R"({"name":")" + name + R"(","level":")" + level + R"(","role":"builder")" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return jsonField(r.body, "id");
  }

  std::unique_ptr<DaemonProcess> daemon_;
  std::string admin_;
};

TEST_P(StoreApiTest, LoginValidateLogout) {
  auto login =
      daemon_->request("POST", "/api/auth/login",
                       R"({"username":"admin","password":"integration secret"})", jsonHeaders(""));
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = jsonField(login.body, "token");
  EXPECT_TRUE(std::regex_match(token, std::regex("[0-9a-f]{64}"))) << token;
  EXPECT_EQ(jsonField(login.body, "token_type"), "Bearer");
  EXPECT_EQ(jsonField(login.body, "username"), "admin");
  EXPECT_EQ(jsonField(login.body, "role"), "admin");
  EXPECT_TRUE(std::regex_match(jsonField(login.body, "expires_at"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  auto validate = daemon_->get("/api/auth/validate", jsonHeaders(token));
  ASSERT_EQ(validate.status, 200) << validate.body;
  EXPECT_EQ(jsonField(validate.body, "valid"), "true");
  EXPECT_EQ(jsonField(validate.body, "username"), "admin");

  EXPECT_EQ(daemon_->request("POST", "/api/auth/logout", {}, jsonHeaders(token)).status, 204);
  auto after = daemon_->get("/api/auth/validate", jsonHeaders(token));
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(jsonField(after.body, "error.code"), "unauthorized");
  EXPECT_EQ(after.header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");
}

TEST_P(StoreApiTest, BadCredentialsGetOneIndistinguishableAnswer) {
  auto unknown =
      daemon_->request("POST", "/api/auth/login",
                       R"({"username":"nobody","password":"integration secret"})", jsonHeaders(""));
  auto wrong =
      daemon_->request("POST", "/api/auth/login",
                       R"({"username":"admin","password":"not the password"})", jsonHeaders(""));
  for (const auto* r : {&unknown, &wrong}) {
    EXPECT_EQ(r->status, 401) << r->body;
    EXPECT_EQ(jsonField(r->body, "error.code"), "unauthorized");
    EXPECT_EQ(r->header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");
  }
  EXPECT_EQ(jsonField(unknown.body, "error.message"), jsonField(wrong.body, "error.message"));
  EXPECT_EQ(jsonField(unknown.body, "error.message"), "invalid username or password");
}

TEST_P(StoreApiTest, MissingTokenIs401AndViewerCannotWrite) {
  auto none = daemon_->get("/api/agents");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");

  std::string viewer = mintToken(*daemon_, "viewer");
  EXPECT_EQ(daemon_->get("/api/agents", jsonHeaders(viewer)).status, 200);
  auto write = daemon_->request("POST", "/api/agents", R"({"name":"v","level":"L1","role":"r"})",
                                jsonHeaders(viewer));
  EXPECT_EQ(write.status, 403) << write.body;
  EXPECT_EQ(jsonField(write.body, "error.code"), "forbidden");
  EXPECT_EQ(jsonField(call("GET", "/api/agents").body, "total"), "0") << "nothing was written";
}

TEST_P(StoreApiTest, AgentLifecycle) {
  auto created = call("POST", "/api/agents",
                      R"({"name":"builder-1","level":"L2","role":"builder",)"
                      R"("metadata":{"zone":"eu"}})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = jsonField(created.body, "id");
  EXPECT_EQ(created.header("Location"), "/api/agents/" + id);
  EXPECT_EQ(jsonField(created.body, "status"), "idle");
  EXPECT_EQ(jsonField(created.body, "metadata.zone"), "eu");

  auto got = call("GET", "/api/agents/" + id);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(jsonField(got.body, "name"), "builder-1");

  auto patched = call("PATCH", "/api/agents/" + id, R"({"status":"busy"})");
  EXPECT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(jsonField(patched.body, "status"), "busy");
  auto typo = call("PATCH", "/api/agents/" + id, R"({"stauts":"busy"})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(jsonField(typo.body, "error.field"), "stauts");

  EXPECT_EQ(jsonField(call("GET", "/api/agents/active").body, "total"), "0");
  auto beat = call("POST", "/api/agents/" + id + "/heartbeat");
  EXPECT_EQ(beat.status, 200) << beat.body;
  EXPECT_FALSE(jsonField(beat.body, "last_heartbeat").empty());
  auto active = call("GET", "/api/agents/active");
  EXPECT_EQ(jsonField(active.body, "total"), "1") << active.body;
  EXPECT_FALSE(jsonArrayItem(active.body, "items", "id", id).empty());

  EXPECT_EQ(call("DELETE", "/api/agents/" + id).status, 204);
  auto gone = call("GET", "/api/agents/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(jsonField(gone.body, "error.code"), "not_found");
  EXPECT_EQ(call("GET", "/api/agents/abc").status, 404);
}

TEST_P(StoreApiTest, AgentListFiltersPaginatesAndCounts) {
  createAgent("alpha", "L2");
  createAgent("beta", "L1");
  createAgent("zeta", "L2");
  createAgent("gamma", "L2");

  auto page = call("GET", "/api/agents?level=L2&sort=-name&limit=2");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(jsonField(page.body, "total"), "3");
  EXPECT_EQ(jsonField(page.body, "limit"), "2");
  ASSERT_EQ(jsonArraySize(page.body, "items"), 2);
  EXPECT_FALSE(jsonArrayItem(page.body, "items", "name", "zeta").empty());
  EXPECT_FALSE(jsonArrayItem(page.body, "items", "name", "gamma").empty());
  auto next = call("GET", "/api/agents?level=L2&sort=-name&limit=2&offset=2");
  ASSERT_EQ(jsonArraySize(next.body, "items"), 1);
  EXPECT_FALSE(jsonArrayItem(next.body, "items", "name", "alpha").empty());

  auto bad = call("GET", "/api/agents?limit=0");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(jsonField(bad.body, "error.code"), "validation_failed");
  EXPECT_EQ(jsonField(bad.body, "error.field"), "limit");

  auto stats = call("GET", "/api/agents/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  EXPECT_EQ(jsonField(stats.body, "total"), "4");
  EXPECT_EQ(jsonField(stats.body, "by_level.L2"), "3");
  EXPECT_EQ(jsonField(stats.body, "by_status.idle"), "4");
}

TEST_P(StoreApiTest, ProjectConflictsAndForcedDelete) {
  auto created = call("POST", "/api/projects", R"({"name":"apollo","description":"moon"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string pid = jsonField(created.body, "id");
  EXPECT_EQ(created.header("Location"), "/api/projects/" + pid);
  auto dup = call("POST", "/api/projects", R"({"name":"apollo"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(jsonField(dup.body, "error.code"), "conflict");

  auto other = call("POST", "/api/projects", R"({"name":"gemini","status":"archived"})");
  ASSERT_EQ(other.status, 201) << other.body;
  std::string other_id = jsonField(other.body, "id");
  EXPECT_EQ(call("PATCH", "/api/projects/" + other_id, R"({"name":"apollo"})").status, 409);
  auto renamed = call("PATCH", "/api/projects/" + other_id, R"({"name":"mercury"})");
  EXPECT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(jsonField(renamed.body, "name"), "mercury");
  auto archived = call("GET", "/api/projects?status=archived");
  EXPECT_EQ(jsonField(archived.body, "total"), "1") << archived.body;
  EXPECT_FALSE(jsonArrayItem(archived.body, "items", "name", "mercury").empty());

  std::string aid = createAgent("crew", "L1", R"(,"project_id":)" + pid);
  auto refused = call("DELETE", "/api/projects/" + pid);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(call("DELETE", "/api/projects/" + pid + "?force=maybe").status, 400);
  EXPECT_EQ(call("GET", "/api/projects/" + pid).status, 200) << "still there";

  EXPECT_EQ(call("DELETE", "/api/projects/" + pid + "?force=true").status, 204);
  EXPECT_EQ(call("GET", "/api/projects/" + pid).status, 404);
  auto agent = call("GET", "/api/agents/" + aid);
  EXPECT_EQ(agent.status, 200);
  EXPECT_EQ(jsonField(agent.body, "project_id"), "") << agent.body;  // null reads as ""
  EXPECT_NE(agent.body.find("\"project_id\":null"), std::string::npos) << agent.body;
}

TEST_P(StoreApiTest, BodiesAreCheckedBeforeTheStore) {
  auto form = daemon_->request("POST", "/api/agents", "name=x",
                               {{"Authorization", "Bearer " + admin_},
                                {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 415);
  EXPECT_EQ(jsonField(form.body, "error.code"), "unsupported_media_type");

  // Only the head is sent: the daemon answers 413 without reading the body, and a client still
  // writing one may see the connection reset before it reads the answer.
  std::string raw =
      rawExchange(daemon_->httpAddress(),
                  "POST /api/agents HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin_ +
                      "\r\nContent-Type: application/json\r\n"
                      "Content-Length: 8000\r\n\r\n");
  EXPECT_EQ(raw.substr(0, 12), "HTTP/1.1 413") << raw;
  EXPECT_NE(raw.find("\"payload_too_large\""), std::string::npos) << raw;

  auto level = call("POST", "/api/agents", R"({"name":"x","level":"L9","role":"r"})");
  EXPECT_EQ(level.status, 400);
  EXPECT_EQ(jsonField(level.body, "error.code"), "validation_failed");
  EXPECT_EQ(jsonField(level.body, "error.field"), "level");
  EXPECT_EQ(call("POST", "/api/agents", "{nope").status, 400);
  EXPECT_EQ(jsonField(call("GET", "/api/agents").body, "total"), "0");
}

TEST_P(StoreApiTest, ConcurrentWritersAllSucceed) {
  constexpr int kClients = 40;
  constexpr int kEach = 10;
  std::atomic<int> created{0};
  std::vector<std::string> failures;
  std::mutex failures_mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        std::string name = "w" + std::to_string(c) + "-" + std::to_string(i);
        auto r = daemon_->request("POST", "/api/agents",
                                  R"({"name":")" + name + R"(","level":"L3","role":"load"})",
                                  jsonHeaders(admin_));
        if (r.status == 201) {
          ++created;
        } else {
          std::lock_guard<std::mutex> lock(failures_mu);
          failures.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(created.load(), kClients * kEach) << (failures.empty() ? "" : failures.front());
  EXPECT_EQ(jsonField(call("GET", "/api/agents/stats").body, "by_level.L3"),
            std::to_string(kClients * kEach));
  if (GetParam() != StoreBackend::kSqlite) return;  // the rest is SQLite's group commit
  // Every acknowledged write went through a committed transaction the writer counts.
  auto pool = daemon_->admin("GET", "/admin/pool");
  ASSERT_EQ(pool.status, 200) << pool.body;
  const int64_t writes = std::stoll(jsonField(pool.body, "writer.writes_total"));
  const int64_t commits = std::stoll(jsonField(pool.body, "writer.batches_total"));
  EXPECT_GE(writes, kClients * kEach);
  EXPECT_GE(commits, 1);
  EXPECT_LE(commits, writes);
  // Every batch is timed, the committed ones among them.
  EXPECT_GE(std::stoll(jsonField(pool.body, "writer.batch_ms.count")), commits) << pool.body;
  // The writer runs above the request threads (db.writer_nice = -10), which root may do.
  if (::geteuid() == 0) {
    EXPECT_EQ(jsonField(pool.body, "writer.writer_nice"), "-10") << pool.body;
  }
  auto metrics = daemon_->admin("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::regex committed("\ncontrolcenter_db_committed_writes_total ([0-9]+)\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics.body, m, committed)) << metrics.body.substr(0, 2000);
  EXPECT_GE(std::stoll(m[1].str()), writes);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreApiTest, kStoreBackends, storeBackendName);

TEST(StorePoolTest, ExhaustedPoolAnswers503WithinTheAcquireTimeout) {
  DaemonProcess daemon({"-D", "ratelimit.enabled=false", "-D", "db.pool.min=1", "-D",
                        "db.pool.max=2", "-D", "db.pool.acquire_timeout_ms=300"});
  ASSERT_TRUE(daemon.start()) << daemon.log();
  std::string token = mintToken(daemon, "viewer");
  ASSERT_EQ(daemon.get("/api/agents", jsonHeaders(token)).status, 200) << "token now cached";
  ASSERT_EQ(daemon.admin("PUT", "/admin/faults/db", R"({"delay_ms":2000})").status, 200);

  constexpr int kRequests = 6;
  std::vector<HttpResult> results(kRequests);
  std::vector<std::chrono::milliseconds> took(kRequests);
  std::vector<std::thread> threads;
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      auto start = std::chrono::steady_clock::now();
      results[i] = daemon.get("/api/agents", jsonHeaders(token));
      took[i] = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
    });
  }
  for (auto& t : threads) t.join();
  int exhausted = 0;
  int served = 0;
  for (int i = 0; i < kRequests; ++i) {
    if (results[i].status == 503) {
      EXPECT_EQ(jsonField(results[i].body, "error.code"), "db_pool_exhausted") << results[i].body;
      EXPECT_GE(std::stoi("0" + results[i].header("Retry-After")), 1);
      // The acquire timeout is 300 ms; the 2 s delay must not be waited out.
      EXPECT_LT(took[i].count(), 1800) << "request " << i;
      ++exhausted;
    } else {
      EXPECT_EQ(results[i].status, 200) << results[i].body;
      ++served;
    }
  }
  EXPECT_GE(exhausted, 1);
  EXPECT_GE(served, 1) << "the two sessions still served their requests";
  auto pool = daemon.admin("GET", "/admin/pool");
  EXPECT_GE(std::stoi("0" + jsonField(pool.body, "timeouts_total")), exhausted) << pool.body;
  daemon.admin("DELETE", "/admin/faults/db");
}

}  // namespace
}  // namespace cc::testing
