#include <Poco/JSON/Object.h>

#include <algorithm>
#include <regex>
#include <sstream>

#include "client/api_client.h"
#include "client/json_fields.h"
#include "client/load_runner.h"
#include "client/load_scenario.h"
#include "unit/ctl/daemon_fixture.h"
#include "unit/ctl/fake_daemon.h"

namespace cc::ctl {
namespace {

using testing::FakeDaemon;

class CtlLoadScenarioTest : public ::testing::Test {};

TEST_F(CtlLoadScenarioTest, RapidFireIsTheReplacedSystemsBurst) {
  auto s = client::findScenario("rapid-fire");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->users, 100);
  EXPECT_EQ(s->requests, 2500);
  ASSERT_EQ(s->groups.size(), 1u);
  ASSERT_EQ(s->groups[0].cycle.size(), 12u);
  EXPECT_EQ(s->groups[0].cycle.front().path, "/api/health");
  EXPECT_EQ(s->groups[0].cycle.back().path, "/health");
  for (const auto& step : s->groups[0].cycle) EXPECT_EQ(step.method, "GET");
}

TEST_F(CtlLoadScenarioTest, SustainedRunsForThirtySeconds) {
  auto s = client::findScenario("sustained");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->users, 50);
  EXPECT_EQ(s->requests, 0);
  EXPECT_DOUBLE_EQ(s->duration_s, 30);
}

TEST_F(CtlLoadScenarioTest, MixedHasLightReadersAndHeavyWriters) {
  auto s = client::findScenario("mixed");
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->groups.size(), 2u);
  EXPECT_EQ(s->groups[0].users, 30);
  EXPECT_EQ(s->groups[1].users, 20);
  const auto& heavy = s->groups[1].cycle;
  auto post = std::find_if(heavy.begin(), heavy.end(),
                           [](const client::LoadStep& st) { return st.method == "POST"; });
  ASSERT_NE(post, heavy.end());
  EXPECT_TRUE(post->creates);
  ASSERT_NE(post + 1, heavy.end());
  EXPECT_EQ((post + 1)->label(), "DELETE /api/agents/{id}");
  EXPECT_FALSE(client::findScenario("bogus").has_value());
}

TEST_F(CtlLoadScenarioTest, UsersAreSpreadInProportion) {
  auto mixed = *client::findScenario("mixed");
  auto ten = client::withUsers(mixed, 10);
  EXPECT_EQ(ten.groups[0].users, 6);
  EXPECT_EQ(ten.groups[1].users, 4);
  auto two = client::withUsers(mixed, 2);
  EXPECT_EQ(two.groups[0].users, 1);
  EXPECT_EQ(two.groups[1].users, 1);
  auto one = client::withUsers(mixed, 1);
  EXPECT_EQ(one.groups[0].users + one.groups[1].users, 1);
}

class CtlLoadRunnerTest : public testing::CtlDaemonFixture {
 protected:
  void SetUp() override {
    CtlDaemonFixture::SetUp();
    for (const auto& path : client::rapidFireEndpoints()) {
      public_.answer("GET " + path, {200, "{}"});
    }
    public_.answer("GET /api/agents",
                   {429, R"({"error":{"status":429,"code":"rate_limited","message":"slow"}})"});
    public_.answer("GET /api/projects",
                   {500, R"({"error":{"status":500,"code":"internal_error","message":"x"}})"});
    admin_.answer(
        "POST /admin/tokens",
        {201, R"({"token":"viewer-tok","expires_at":"2026-01-01T00:10:00Z","role":"viewer"})"});
  }
};

TEST_F(CtlLoadRunnerTest, RequestBudgetIsExactAndOutcomesAreClassified) {
  client::LoadPlan plan;
  // One user walks the endpoints in order, so each gets exactly its share.
  plan.scenario = client::withUsers(*client::findScenario("rapid-fire"), 1);
  plan.requests = 48;
  plan.target = client::Endpoint::parse(public_.url()).value();
  plan.token = "t";
  client::LoadRunner runner(plan);
  auto report = runner.run();
  EXPECT_EQ(report.total.requests, 48u);
  ASSERT_EQ(report.endpoints.size(), 12u);
  for (const auto& stats : report.endpoints) EXPECT_EQ(stats.requests, 4u) << stats.endpoint;
  EXPECT_EQ(report.total.rate_limited, 4u);
  EXPECT_EQ(report.total.server_errors, 4u);
  EXPECT_EQ(report.total.ok, 40u);
  EXPECT_EQ(report.total.latency.count(), 48u);
  EXPECT_EQ(runner.progress().done, 48u);
  EXPECT_EQ(runner.progress().failed, 8u);
  EXPECT_EQ(public_.seen().size(), 48u);
}

TEST_F(CtlLoadRunnerTest, ManyUsersShareTheBudgetExactly) {
  client::LoadPlan plan;
  plan.scenario = client::withUsers(*client::findScenario("rapid-fire"), 8);
  plan.requests = 101;
  plan.target = client::Endpoint::parse(public_.url()).value();
  plan.token = "t";
  auto report = client::LoadRunner(plan).run();
  EXPECT_EQ(report.total.requests, 101u);
  EXPECT_EQ(public_.seen().size(), 101u);
}

TEST_F(CtlLoadRunnerTest, MixedDeletesWhatItCreates) {
  public_.answer("POST /api/agents", {201, R"({"id":"a7","name":"x"})"});
  public_.answer("DELETE /api/agents/a7", {204, ""});
  client::LoadPlan plan;
  // Only the writing group: with the readers too, a reader thread could use up the whole budget
  // before the writer's thread starts, and the test would prove nothing.
  plan.scenario = client::withUsers(*client::findScenario("mixed"), 2);
  auto& groups = plan.scenario.groups;
  groups.erase(std::remove_if(groups.begin(), groups.end(),
                              [](const client::UserGroup& g) { return g.name != "heavy"; }),
               groups.end());
  ASSERT_EQ(groups.size(), 1u);
  plan.requests = 41;
  plan.target = client::Endpoint::parse(public_.url()).value();
  plan.token = "t";
  auto report = client::LoadRunner(plan).run();
  EXPECT_EQ(report.total.requests, 41u);
  uint64_t posts = 0;
  uint64_t deletes = 0;
  for (const auto& stats : report.endpoints) {
    if (stats.endpoint == "POST /api/agents") posts = stats.requests;
    if (stats.endpoint == "DELETE /api/agents/{id}") deletes = stats.requests;
  }
  EXPECT_GT(posts, 0u);
  EXPECT_EQ(posts, deletes);
}

TEST_F(CtlLoadRunnerTest, DurationBoundsARun) {
  client::LoadPlan plan;
  plan.scenario = client::withUsers(*client::findScenario("sustained"), 2);
  plan.duration_s = 0.2;
  plan.target = client::Endpoint::parse(public_.url()).value();
  plan.token = "t";
  auto report = client::LoadRunner(plan).run();  // returns: the test would hang otherwise
  EXPECT_GT(report.total.requests, 0u);
  EXPECT_EQ(report.total.requests, report.total.ok + report.total.rate_limited +
                                       report.total.server_errors + report.total.client_errors +
                                       report.total.timeouts + report.total.errors);
}

TEST_F(CtlLoadRunnerTest, VerbMintsATokenAndPrintsJson) {
  auto outcome = run(
      {"loadtest", "--scenario", "rapid-fire", "--users", "1", "--requests", "24", "-o", "json"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  auto json = client::parseJson(outcome.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::text(json, "scenario"), "rapid-fire");
  EXPECT_EQ(client::integer(json, "users"), 1);
  auto total = client::child(json, "total");
  EXPECT_EQ(client::integer(total, "requests"), 24);
  EXPECT_EQ(client::integer(total, "rate_limited"), 2);
  EXPECT_EQ(client::integer(total, "server_errors"), 2);
  EXPECT_EQ(client::list(json, "endpoints")->size(), 12u);
  EXPECT_GE(client::number(total, "max_ms"), client::number(total, "p50_ms"));
  auto minted = client::parseJson(admin_.seen().front().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::text(minted, "role"), "viewer");
  EXPECT_EQ(public_.seen().back().authorization, "Bearer viewer-tok");
}

TEST_F(CtlLoadRunnerTest, TableHasOneNumberFormatAColumn) {
  auto outcome = run({"loadtest", "--scenario", "rapid-fire", "--users", "1", "--requests", "24"});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  std::istringstream lines(outcome.out);
  std::string heading;
  std::getline(lines, heading);
  EXPECT_EQ(heading.rfind("scenario rapid-fire: 1 users, 24 requests in ", 0), 0u) << heading;
  EXPECT_EQ(heading.find("in 0.0 s"), std::string::npos) << heading;
  std::string line;
  std::getline(lines, line);  // blank
  std::getline(lines, line);
  EXPECT_NE(line.find("P50 MS  P95 MS  P99 MS  MAX MS"), std::string::npos) << line;
  // Every row: counts as whole numbers, REQ/S with one decimal, latencies with two.
  const std::regex row(R"(.*\s[\d,]+(\s+[\d,]+){6}\s+[\d,]+\.\d(\s+[\d,]+\.\d\d){4})");
  int rows = 0;
  while (std::getline(lines, line)) {
    ++rows;
    EXPECT_TRUE(std::regex_match(line, row)) << line;
  }
  EXPECT_EQ(rows, 13);  // twelve endpoints and the total
}

TEST_F(CtlLoadRunnerTest, GateMissedExits1AndNamesIt) {
  auto outcome = run({"loadtest", "--scenario", "custom", "--endpoints", "/api/projects", "--users",
                      "2", "--requests", "6", "--min-success", "0.9"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_NE(outcome.err.find("success 0 < --min-success 0.9"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.out.find("GET /api/projects"), std::string::npos);
}

TEST_F(CtlLoadRunnerTest, GateIsEchoedAsGiven) {
  auto outcome = run({"loadtest", "--scenario", "custom", "--endpoints", "/health", "--users", "1",
                      "--requests", "2", "--max-p95-ms", "0.001"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_NE(outcome.err.find("> --max-p95-ms 0.001"), std::string::npos) << outcome.err;
}

TEST_F(CtlLoadRunnerTest, LoginUsesTheReturnedToken) {
  public_.answer("POST /api/auth/login", {200, R"({"token":"user-tok"})"});
  const std::string password = writeFile("pw", "hunter2\n");
  auto outcome = run({"loadtest", "--scenario", "custom", "--endpoints", "/health", "--users", "1",
                      "--requests", "2", "--login", "ann", "--password-file", password});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_TRUE(admin_.seen().empty());
  EXPECT_EQ(public_.seen().back().authorization, "Bearer user-tok");
  auto login = client::parseJson(public_.seen().front().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::text(login, "password"), "hunter2");
}

TEST_F(CtlLoadRunnerTest, BadCombinationsAreUsageErrors) {
  EXPECT_EQ(run({"loadtest", "--scenario", "custom", "--requests", "5"}).code, 3);
  EXPECT_EQ(
      run({"loadtest", "--scenario", "rapid-fire", "--requests", "5", "--duration", "1"}).code, 3);
  EXPECT_EQ(run({"loadtest", "--scenario", "mixed", "--endpoints", "/x"}).code, 3);
  EXPECT_EQ(run({"loadtest", "--scenario", "rapid-fire", "--users", "0"}).code, 3);
  EXPECT_EQ(run({"loadtest", "--scenario", "rapid-fire", "--login", "ann"}).code, 3);
  EXPECT_EQ(run({"loadtest", "--scenario", "rapid-fire", "--min-success", "2"}).code, 3);
  EXPECT_EQ(run({"loadtest"}).code, 3);
  // 0 used to mean "unpaced" silently; leaving --rate out says so.
  auto zero_rate = run({"loadtest", "--scenario", "rapid-fire", "--rate", "0"});
  EXPECT_EQ(zero_rate.code, 3);
  EXPECT_NE(zero_rate.err.find("--rate must be more than 0"), std::string::npos) << zero_rate.err;
  EXPECT_TRUE(public_.seen().empty());
}

}  // namespace
}  // namespace cc::ctl
