#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "unit/http/domain_api_fixture.h"

namespace cc::http::testing {
namespace {

class AgentHandlersTest : public ServedApiFixture {};

TEST_F(AgentHandlersTest, CreateGetPatchDeleteWithLocationEventsAndInvalidation) {
  Response created = call("POST", "/api/agents",
                          R"({"name":"alpha","level":"L2","role":"builder","metadata":{"k":1}})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto agent = created.json();
  int64_t id = agent->getValue<int64_t>("id");
  EXPECT_EQ(created.header("Location"), "/api/agents/" + std::to_string(id));
  EXPECT_EQ(agent->getValue<std::string>("name"), "alpha");
  EXPECT_EQ(agent->getValue<std::string>("level"), "L2");
  EXPECT_EQ(agent->getValue<std::string>("status"), "idle");
  EXPECT_EQ(agent->getObject("metadata")->getValue<int>("k"), 1);

  Response got = call("GET", "/api/agents/" + std::to_string(id));
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()->getValue<std::string>("role"), "builder");

  Response patched =
      call("PATCH", "/api/agents/" + std::to_string(id), R"({"status":"busy","role":"tester"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()->getValue<std::string>("status"), "busy");
  EXPECT_EQ(patched.json()->getValue<std::string>("role"), "tester");
  EXPECT_EQ(patched.json()->getValue<std::string>("name"), "alpha");

  Response deleted = call("DELETE", "/api/agents/" + std::to_string(id));
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  Response gone = call("GET", "/api/agents/" + std::to_string(id));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.errorCode(), "not_found");

  auto events = published();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].first, "agents");
  EXPECT_EQ(eventType(events[0].second), "agent.created");
  EXPECT_EQ(eventType(events[1].second), "agent.updated");
  EXPECT_EQ(eventType(events[2].second), "agent.deleted");
  EXPECT_EQ(events[2].second, R"({"type":"agent.deleted","id":)" + std::to_string(id) + "}");
  EXPECT_NE(events[0].second.find(R"("agent":{"id":)"), std::string::npos);
  EXPECT_EQ(invalidated(), (std::vector<std::string>{"/api/agents", "/api/agents", "/api/agents"}));
}

TEST_F(AgentHandlersTest, ReadsAndFailedWritesAnnounceNothing) {
  call("GET", "/api/agents");
  call("POST", "/api/agents", R"({"name":"x"})");  // level and role missing
  call("DELETE", "/api/agents/5");
  EXPECT_TRUE(published().empty());
  EXPECT_TRUE(invalidated().empty());
}

TEST_F(AgentHandlersTest, ListFiltersPaginatesAndSorts) {
  int64_t project = createProject("p1");
  createAgent("delta", "L1");
  createAgent("alpha", "L2", R"(,"status":"busy")");
  createAgent("charlie", "L2", R"(,"project_id":)" + std::to_string(project));
  createAgent("bravo", "L3", R"(,"status":"busy")");
  createAgent("echo", "L1");

  Response all = call("GET", "/api/agents");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json()->getValue<int>("total"), 5);
  EXPECT_EQ(all.json()->getValue<int>("limit"), 50);
  EXPECT_EQ(all.json()->getValue<int>("offset"), 0);
  EXPECT_EQ(itemNames(all),
            (std::vector<std::string>{"delta", "alpha", "charlie", "bravo", "echo"}));

  EXPECT_EQ(itemNames(call("GET", "/api/agents?level=L2")),
            (std::vector<std::string>{"alpha", "charlie"}));
  EXPECT_EQ(itemNames(call("GET", "/api/agents?status=busy&sort=name")),
            (std::vector<std::string>{"alpha", "bravo"}));
  EXPECT_EQ(itemNames(call("GET", "/api/agents?project_id=" + std::to_string(project))),
            (std::vector<std::string>{"charlie"}));
  EXPECT_EQ(itemNames(call("GET", "/api/agents?q=LPH")), (std::vector<std::string>{"alpha"}));
  EXPECT_EQ(itemNames(call("GET", "/api/agents?q=arl")), (std::vector<std::string>{"charlie"}));
  EXPECT_EQ(call("GET", "/api/agents?q=ha").errorField(), "q");
  EXPECT_EQ(itemNames(call("GET", "/api/agents?role=nobody")), (std::vector<std::string>{}));

  Response page = call("GET", "/api/agents?sort=-name&limit=2&offset=1");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(itemNames(page), (std::vector<std::string>{"delta", "charlie"}));
  EXPECT_EQ(page.json()->getValue<int>("total"), 5);
  EXPECT_EQ(page.json()->getValue<int>("limit"), 2);
  EXPECT_EQ(page.json()->getValue<int>("offset"), 1);
  EXPECT_EQ(call("GET", "/api/agents?limit=500").status, 200);
}

TEST_F(AgentHandlersTest, BadQueryParametersAre400NamingTheParameter) {
  struct Case {
    const char* query;
    const char* field;
  };
  for (const Case& c :
       {Case{"limit=0", "limit"}, Case{"limit=501", "limit"}, Case{"limit=ten", "limit"},
        Case{"offset=-1", "offset"}, Case{"level=L9", "level"}, Case{"status=sleeping", "status"},
        Case{"sort=password", "sort"}, Case{"project_id=x", "project_id"}}) {
    Response r = call("GET", std::string("/api/agents?") + c.query);
    EXPECT_EQ(r.status, 400) << c.query;
    EXPECT_EQ(r.errorCode(), "validation_failed") << c.query;
    EXPECT_EQ(r.errorField(), c.field) << c.query;
  }
}

TEST_F(AgentHandlersTest, NonNumericAndUnknownIdsAre404) {
  createAgent("only");
  for (const char* id : {"abc", "0", "-1", "+1", "1.5", "99999999999999999999", "42"}) {
    for (const char* method : {"GET", "PATCH", "DELETE"}) {
      Response r = call(method, std::string("/api/agents/") + id,
                        std::string(method) == "PATCH" ? R"({"role":"x"})" : "");
      EXPECT_EQ(r.status, 404) << method << " " << id;
      EXPECT_EQ(r.errorCode(), "not_found") << method << " " << id;
    }
    EXPECT_EQ(call("POST", std::string("/api/agents/") + id + "/heartbeat").status, 404) << id;
  }
}

TEST_F(AgentHandlersTest, BadBodiesAre400Or415AndNeverCrash) {
  int64_t id = createAgent("base");
  const std::string long_name(129, 'n');
  struct Case {
    std::string body;
    std::string field;  // "" when the envelope names none
  };
  std::vector<Case> cases = {
      {R"({"name":5,"level":"L1","role":"r"})", "name"},
      {R"({"name":"a","level":"L9","role":"r"})", "level"},
      {R"({"name":"a","level":"L1","role":"r","status":"asleep"})", "status"},
      {R"({"name":")" + long_name + R"(","level":"L1","role":"r"})", "name"},
      {R"({"name":"","level":"L1","role":"r"})", "name"},
      {R"({"name":"a","level":"L1","role":"r","colour":"red"})", "colour"},
      {R"({"name":"a","level":"L1"})", "role"},
      {R"({"name":"a","level":"L1","role":"r","project_id":"7"})", "project_id"},
      {R"({"name":"a","level":"L1","role":"r","project_id":999})", "project_id"},
      {R"({"name":"a","level":"L1","role":"r","metadata":[1]})", "metadata"},
      {"{\"name\":\"a\xff\",\"level\":\"L1\",\"role\":\"r\"}", ""},
      {std::string("{\"name\":\"a") + '\0' + "b\",\"level\":\"L1\",\"role\":\"r\"}", ""},
      {R"({"name":"a","level":"L1","role":"r","metadata":)" + std::string(40, '[') +
           std::string(40, ']') + "}",
       ""},
      {R"({"name":"a",)", ""},
      {"[1,2]", ""},
      {"null", ""},
  };
  for (const auto& c : cases) {
    Response r = call("POST", "/api/agents", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
    EXPECT_EQ(r.errorCode(), c.field.empty() ? "bad_request" : "validation_failed") << c.body;
  }
  Response patch_unknown = call("PATCH", "/api/agents/" + std::to_string(id), R"({"nmae":"x"})");
  EXPECT_EQ(patch_unknown.status, 400);
  EXPECT_EQ(patch_unknown.errorField(), "nmae");

  Response no_type = call("POST", "/api/agents", R"({"name":"a","level":"L1","role":"r"})",
                          {{"Content-Type", "text/plain"}});
  EXPECT_EQ(no_type.status, 415);
  EXPECT_EQ(no_type.errorCode(), "unsupported_media_type");
  Response empty = call("POST", "/api/agents", "");
  EXPECT_EQ(empty.status, 415);  // no body, so no Content-Type either
  Response empty_json = call("POST", "/api/agents", "", {{"Content-Type", "application/json"}});
  EXPECT_EQ(empty_json.status, 400);

  Response ok = call("POST", "/api/agents",
                     R"({"name":")" + std::string(128, 'n') + R"(","level":"L1","role":"r"})");
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(call("GET", "/api/agents").json()->getValue<int>("total"), 2);
}

TEST_F(AgentHandlersTest, HeartbeatActivatesAndActiveListsRecentOnes) {
  int64_t a = createAgent("a", "L1", R"(,"status":"offline")");
  int64_t b = createAgent("b");
  createAgent("c");

  Response beat = call("POST", "/api/agents/" + std::to_string(a) + "/heartbeat");
  ASSERT_EQ(beat.status, 200) << beat.body;
  EXPECT_EQ(beat.json()->getValue<std::string>("status"), "active");
  EXPECT_FALSE(beat.json()->isNull("last_heartbeat"));
  EXPECT_EQ(eventType(published().back().second), "agent.heartbeat");
  clock_.advance(std::chrono::seconds(30));
  ASSERT_EQ(call("POST", "/api/agents/" + std::to_string(b) + "/heartbeat").status, 200);

  Response active = call("GET", "/api/agents/active");
  ASSERT_EQ(active.status, 200) << active.body;
  EXPECT_EQ(itemNames(active), (std::vector<std::string>{"b", "a"}));  // most recent first
  EXPECT_EQ(active.json()->getValue<int>("total"), 2);
  EXPECT_EQ(active.json()->getValue<int>("limit"), 50);
  EXPECT_EQ(itemNames(call("GET", "/api/agents/active?limit=1&offset=1")),
            (std::vector<std::string>{"a"}));
  Response first = call("GET", "/api/agents/active?limit=1");
  ASSERT_FALSE(first.json()->isNull("next_cursor"));
  Response second = call("GET", "/api/agents/active?limit=1&cursor=" +
                                    first.json()->getValue<std::string>("next_cursor"));
  EXPECT_EQ(itemNames(second), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(second.json()->isNull("next_cursor"));
  EXPECT_EQ(itemNames(call("GET", "/api/agents/active?offset=7")), (std::vector<std::string>{}));
  EXPECT_EQ(call("GET", "/api/agents/active?limit=0").errorField(), "limit");

  clock_.advance(std::chrono::seconds(45));  // a is 75 s old, b 45 s: window is 60 s
  EXPECT_EQ(itemNames(call("GET", "/api/agents/active")), (std::vector<std::string>{"b"}));
}

TEST_F(AgentHandlersTest, AMisspeltFilterIsRefusedNotIgnored) {
  createAgent("a", "L1");
  createAgent("b", "L2", R"(,"status":"busy")");
  Response typo = call("GET", "/api/agents?stauts=busy");
  EXPECT_EQ(typo.status, 400) << typo.body;
  EXPECT_EQ(typo.errorCode(), "validation_failed");
  EXPECT_EQ(typo.errorField(), "stauts");
  EXPECT_NE(typo.body.find("did you mean 'status'?"), std::string::npos) << typo.body;
  EXPECT_EQ(itemNames(call("GET", "/api/agents?status=busy")), (std::vector<std::string>{"b"}));
}

TEST_F(AgentHandlersTest, ASecondAgentWithTheSameNameIsAConflict) {
  createAgent("a", "L1");
  Response again = call("POST", "/api/agents", R"({"name":"a","level":"L2","role":"r"})");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.errorCode(), "conflict");
}

TEST_F(AgentHandlersTest, StatsCountByStatusAndLevel) {
  createAgent("a", "L1");
  createAgent("b", "L2", R"(,"status":"busy")");
  createAgent("c", "L2", R"(,"status":"busy")");
  Response r = call("GET", "/api/agents/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  auto stats = r.json();
  EXPECT_EQ(stats->getValue<int>("total"), 3);
  EXPECT_EQ(stats->getObject("by_status")->getValue<int>("busy"), 2);
  EXPECT_EQ(stats->getObject("by_status")->getValue<int>("idle"), 1);
  EXPECT_EQ(stats->getObject("by_status")->getValue<int>("offline"), 0);
  EXPECT_EQ(stats->getObject("by_level")->getValue<int>("L2"), 2);
  EXPECT_EQ(stats->getObject("by_level")->getValue<int>("L3"), 0);
}

TEST_F(AgentHandlersTest, ConcurrentWritersAllSucceed) {
  constexpr int kClients = 40;
  constexpr int kEach = 10;
  std::atomic<int> created{0};
  std::vector<std::string> failures;
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        std::string name = "agent-" + std::to_string(c) + "-" + std::to_string(i);
        Response r =
            call("POST", "/api/agents", R"({"name":")" + name + R"(","level":"L1","role":"load"})");
        if (r.status == 201) {
          ++created;
        } else {
          std::lock_guard<std::mutex> lock(mu);
          failures.push_back(std::to_string(r.status) + " " + r.body);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(created.load(), kClients * kEach);
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_EQ(call("GET", "/api/agents?limit=1").json()->getValue<int>("total"), kClients * kEach);
  EXPECT_EQ(published().size(), static_cast<std::size_t>(kClients * kEach));
}

class AgentPoolExhaustionTest : public DomainApiFixture {
 protected:
  void SetUp() override {
    DomainApiFixture::SetUp();
    options_.pool.min = 1;
    options_.pool.max = 2;
    options_.pool.acquire_timeout = std::chrono::milliseconds(200);
    start();
  }
};

TEST_F(AgentPoolExhaustionTest, SlowDatabaseGives503PoolExhaustedWithRetryAfter) {
  Response slow = call("PUT", "/admin/faults/db", R"({"delay_ms":3000})");
  ASSERT_EQ(slow.status, 200) << slow.body;
  EXPECT_EQ(slow.json()->getObject("db")->getValue<int>("delay_ms"), 3000);

  std::vector<std::thread> holders;
  std::atomic<int> held_ok{0};
  for (int i = 0; i < 2; ++i) {
    holders.emplace_back([&] {
      if (call("GET", "/api/agents").status == 200) ++held_ok;
    });
  }
  // Wait until both sessions are borrowed (each sits in the injected delay).
  for (int i = 0; i < 2000 && store_->poolStats().in_use < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(store_->poolStats().in_use, 2);

  auto started = std::chrono::steady_clock::now();
  Response refused = call("GET", "/api/agents");
  auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.errorCode(), "db_pool_exhausted");
  EXPECT_FALSE(refused.header("Retry-After").empty());
  // Refused after the 200 ms acquire timeout, not after the 3 s delay the holders sit in.
  EXPECT_LT(waited, std::chrono::milliseconds(2500));

  Response pool = call("GET", "/admin/pool");
  ASSERT_EQ(pool.status, 200);
  EXPECT_GE(pool.json()->getValue<int>("timeouts_total"), 1);
  EXPECT_EQ(pool.json()->getValue<int>("max"), 2);

  EXPECT_EQ(call("DELETE", "/admin/faults/db").status, 200);
  for (auto& t : holders) t.join();
  EXPECT_EQ(held_ok.load(), 2);
  EXPECT_EQ(call("GET", "/api/agents").status, 200);
}

}  // namespace
}  // namespace cc::http::testing
