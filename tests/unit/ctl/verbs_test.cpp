#include <Poco/JSON/Object.h>
#include <Poco/String.h>
#include <Poco/TemporaryFile.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "client/api_client.h"
#include "client/json_fields.h"
#include "commands/verb_table.h"
#include "unit/ctl/daemon_fixture.h"
#include "unit/ctl/fake_daemon.h"

namespace cc::ctl {
namespace {

using testing::FakeAnswer;
using testing::FakeDaemon;

constexpr const char* kHealthPass =
    R"({"status":"pass","version":"0.1.0","uptime_s":7300,"checks":{"db":{"status":"pass","output":"ok"},"disk":{"status":"pass","output":"12 GiB free"}}})";
constexpr const char* kStatus =
    R"({"version":"0.1.0","pid":4242,"started_at":"2026-01-01T00:00:00.000Z","uptime_s":61,"config_file":"/etc/controlcenter/controlcenterd.properties","log_level":"info","draining":false,"listeners":{"http":"127.0.0.1:8080","admin":"127.0.0.1:8081"},"http":{"threads_busy":2,"threads_max":32,"connections_current":3,"connections_idle":7,"connections_queued":0,"connections_refused":1,"connections_refused_per_client":5,"max_connections_per_client":200,"connections_total":90,"requests_total":1234,"inflight":2,"slow_readers_closed":3}})";

class CtlVerbsTest : public testing::CtlDaemonFixture {
 protected:
  // The whole of stdout must be one JSON document.
  static Poco::JSON::Object::Ptr onlyJson(const std::string& out) {
    auto json = client::parseJson(out);
    EXPECT_FALSE(json.isEmpty()) << out;
    if (json.isEmpty()) return new Poco::JSON::Object;
    return json.extract<Poco::JSON::Object::Ptr>();
  }
};

TEST_F(CtlVerbsTest, HealthPassPrintsChecksAndExits0) {
  public_.answer("GET /health", {200, kHealthPass, "application/health+json"});
  auto outcome = run({"health"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("status:   pass"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("uptime:   2 h 1 min"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("disk   pass    12 GiB free"), std::string::npos) << outcome.out;
  EXPECT_EQ(outcome.out.find('\033'), std::string::npos);  // not a terminal: no colour
  EXPECT_TRUE(outcome.err.empty());
}

TEST_F(CtlVerbsTest, HealthFailIs503AndExits1WithTheDocument) {
  public_.answer(
      "GET /health/ready",
      {503,
       R"({"status":"fail","version":"0.1.0","uptime_s":1,"checks":{"db":{"status":"fail","output":"locked"}}})",
       "application/health+json"});
  auto outcome = run({"health", "--ready", "-o", "json"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_EQ(client::text(onlyJson(outcome.out), "status"), "fail");
}

TEST_F(CtlVerbsTest, HealthWarnExits1) {
  public_.answer("GET /health", {200, R"({"status":"warn","version":"0.1.0","uptime_s":3})"});
  EXPECT_EQ(run({"health"}).code, 1);
}

TEST_F(CtlVerbsTest, ConnectionRefusedExits2AndNamesTheFix) {
  env_["CONTROLCENTER_URL"] = "http://127.0.0.1:" + std::to_string(testing::closedPort());
  auto outcome = run({"health"});
  EXPECT_EQ(outcome.code, 2);
  EXPECT_TRUE(outcome.out.empty());
  EXPECT_NE(outcome.err.find("cannot reach the public API at http://127.0.0.1:"),
            std::string::npos);
  EXPECT_NE(outcome.err.find("connection refused; is controlcenterd running?"), std::string::npos);
  // Logged once.
  EXPECT_EQ(outcome.err.find("controlcenterctl:"), outcome.err.rfind("controlcenterctl:"));
}

TEST_F(CtlVerbsTest, StatusSendsTheTokenAndPrintsJsonOrTable) {
  admin_.answer("GET /admin/status", {200, kStatus});
  auto table = run({"status"});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("pid:             4242"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1234 total, 2 in flight, 3 closed as slow readers"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("3 active, 7 idle, 0 queued, 90 total"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("1 queue full, 5 over the per-client cap of 200"), std::string::npos)
      << table.out;
  auto json = run({"status", "-o", "json"});
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(client::integer(onlyJson(json.out), "pid"), 4242);
  ASSERT_FALSE(admin_.seen().empty());
  EXPECT_EQ(admin_.seen().back().authorization, "Bearer tok-123");
}

TEST_F(CtlVerbsTest, StatusShowsTheDescriptorBudgetWhenTheDaemonReportsIt) {
  admin_.answer("GET /admin/status", {200, kStatus});
  auto old_daemon = run({"status"});
  EXPECT_EQ(old_daemon.out.find("descriptors"), std::string::npos) << old_daemon.out;
  std::string with_budget(kStatus);
  with_budget.insert(with_budget.size() - 1,
                     R"(,"overload":{"descriptors":{"limit":1024,"needed":3448,"refused":7,)"
                     R"("idle_closed":12,"accept_failures":19,"exhausted_s_ago":null},)"
                     R"("request_memory":{"limit":33554432,"held":2048,"refused":4,)"
                     R"("exhausted_s_ago":1.5}})");
  admin_.answer("GET /admin/status", {200, with_budget});
  auto table = run({"status"});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("limit 1024, needs 3448; 7 answered overloaded, 12 idle closed, 19 "
                           "accept failures"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("2048 of 33554432 bytes held; 4 answered overloaded"), std::string::npos)
      << table.out;
  EXPECT_EQ(old_daemon.out.find("request memory"), std::string::npos) << old_daemon.out;
}

TEST_F(CtlVerbsTest, StatusShowsWhereTheRateLimitsLive) {
  admin_.answer("GET /admin/status", {200, kStatus});
  EXPECT_EQ(run({"status"}).out.find("rate limits"), std::string::npos) << "an older daemon";
  std::string local(kStatus);
  local.insert(local.size() - 1, R"(,"redis":null)");
  admin_.answer("GET /admin/status", {200, local});
  auto local_table = run({"status"});
  EXPECT_NE(local_table.out.find("local (this daemon's own buckets)"), std::string::npos)
      << local_table.out;
  std::string shared(kStatus);
  shared.insert(shared.size() - 1,
                R"(,"redis":{"url":"unix:/run/redis/redis.sock","state":"down","max":8,"idle":0,)"
                R"("in_use":0,"failures":3,"discards":1,"last_error":"connect: refused",)"
                R"("ratelimit":{"failure_mode":"local","state":"degraded","decisions":40,)"
                R"("cached_rejections":7,"fallbacks":3}})");
  admin_.answer("GET /admin/status", {200, shared});
  auto table = run({"status"});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("redis unix:/run/redis/redis.sock, degraded (on failure: local); 40 "
                           "decided by Redis, 7 rejected from cache, 3 fallbacks"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("down, 0 in use, 0 idle of 8; 3 failures, 1 discards; last: connect: "
                           "refused"),
            std::string::npos)
      << table.out;
}

TEST_F(CtlVerbsTest, WrongTokenExits4) {
  env_["CONTROLCENTER_TOKEN_FILE"] = writeFile("other.token", "wrong");
  admin_.answer("GET /admin/status", {200, kStatus});
  auto outcome = run({"status"});
  EXPECT_EQ(outcome.code, 4);
  EXPECT_NE(outcome.err.find("401 unauthorized"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("other.token"), std::string::npos);
}

TEST_F(CtlVerbsTest, MissingTokenFileExits4WithoutCallingTheDaemon) {
  auto outcome = run({"--token-file", dir_ + "/nope.token", "pool"});
  EXPECT_EQ(outcome.code, 4);
  EXPECT_NE(outcome.err.find("cannot read the admin token file " + dir_ + "/nope.token"),
            std::string::npos);
  EXPECT_TRUE(admin_.seen().empty());
}

TEST_F(CtlVerbsTest, AdminOverUnixSocket) {
  const std::string socket = Poco::TemporaryFile::tempName() + ".sock";
  FakeDaemon unix_admin(socket);
  unix_admin.requireToken("tok-123");
  unix_admin.answer("GET /admin/log-level", {200, R"({"level":"debug"})"});
  auto outcome = run({"--admin", "unix:" + socket, "log-level"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(outcome.out, "debug\n");
}

TEST_F(CtlVerbsTest, LogLevelSetSendsTheLevel) {
  admin_.answer("PUT /admin/log-level", {200, R"({"level":"warn"})"});
  auto outcome = run({"log-level", "warn"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(
      client::text(client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>(),
                   "level"),
      "warn");
}

TEST_F(CtlVerbsTest, ReloadInvalidConfigExits1WithTheDaemonsCode) {
  admin_.answer(
      "POST /admin/reload",
      {400,
       R"({"error":{"status":400,"code":"validation_failed","message":"http.threads: must be 1..1024","request_id":"q1"}})"});
  auto outcome = run({"reload"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_NE(outcome.err.find("validation_failed: http.threads: must be 1..1024"),
            std::string::npos);
}

TEST_F(CtlVerbsTest, ReloadPrintsWhatChanged) {
  admin_.answer(
      "POST /admin/reload",
      {200,
       R"({"applied":[{"key":"log.level","old":"info","new":"debug"}],"needs_restart":[{"key":"http.port","old":"8080","new":"9090"}]})"});
  auto outcome = run({"reload"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_NE(outcome.out.find("log.level  info  debug"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("need a restart"), std::string::npos);
  EXPECT_NE(outcome.out.find("http.port  8080  9090"), std::string::npos);
}

TEST_F(CtlVerbsTest, UserAddReadsThePasswordFromStdin) {
  admin_.answer("POST /admin/users", {201, R"({"username":"ann","role":"viewer"})"});
  auto outcome = run({"user", "add", "ann", "--role", "viewer"}, "s3cret\n");
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  auto body = client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::text(body, "password"), "s3cret");
  EXPECT_EQ(client::text(body, "role"), "viewer");
  auto empty = run({"user", "add", "bob", "--role", "admin"}, "");
  EXPECT_EQ(empty.code, 3);
}

TEST_F(CtlVerbsTest, UserDelWith204PrintsOneJsonDocument) {
  admin_.answer("DELETE /admin/users/ann%20b", {204, ""});
  auto outcome = run({"user", "del", "ann b", "-o", "json"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_TRUE(client::flag(onlyJson(outcome.out), "deleted"));
  admin_.answer("DELETE /admin/users/zed",
                {404, R"({"error":{"status":404,"code":"not_found","message":"no user zed"}})"});
  EXPECT_EQ(run({"user", "del", "zed"}).code, 1);
}

TEST_F(CtlVerbsTest, UserDisableEnableAndRoleSendOnePatch) {
  admin_.answer(
      "PATCH /admin/users/ann",
      {200,
       R"({"username":"ann","role":"viewer","created_at":"2026-01-01T00:00:00.000Z","disabled":true,"tokens_revoked":2})"});
  auto disabled = run({"user", "disable", "ann"});
  EXPECT_EQ(disabled.code, 0) << disabled.err;
  EXPECT_EQ(disabled.out, "disabled user ann (revoked 2 tokens)\n");
  EXPECT_EQ(admin_.seen().back().body, R"({"disabled":true})");

  admin_.answer("PATCH /admin/users/ann",
                {200, R"({"username":"ann","role":"viewer","disabled":false,"tokens_revoked":0})"});
  auto enabled = run({"user", "enable", "ann", "-o", "json"});
  EXPECT_EQ(enabled.code, 0) << enabled.err;
  EXPECT_FALSE(client::flag(onlyJson(enabled.out), "disabled", true));
  EXPECT_EQ(admin_.seen().back().body, R"({"disabled":false})");

  admin_.answer("PATCH /admin/users/ann",
                {200, R"({"username":"ann","role":"admin","disabled":false,"tokens_revoked":1})"});
  auto role = run({"user", "role", "ann", "admin"});
  EXPECT_EQ(role.code, 0) << role.err;
  EXPECT_EQ(role.out, "user ann is now admin (revoked 1 token)\n");
  EXPECT_EQ(admin_.seen().back().body, R"({"role":"admin"})");

  const std::size_t before = admin_.seen().size();
  auto bad_role = run({"user", "role", "ann", "owner"});
  EXPECT_EQ(bad_role.code, 3);
  EXPECT_NE(bad_role.err.find("admin, viewer"), std::string::npos) << bad_role.err;
  EXPECT_EQ(admin_.seen().size(), before) << "nothing was sent";

  admin_.answer(
      "PATCH /admin/users/root",
      {409,
       R"({"error":{"status":409,"code":"conflict","message":"'root' is the last enabled admin"}})"});
  auto last = run({"user", "disable", "root"});
  EXPECT_EQ(last.code, 1);
  EXPECT_NE(last.err.find("last enabled admin"), std::string::npos) << last.err;
}

TEST_F(CtlVerbsTest, UserTokensPrintsATableOrTheDocument) {
  admin_.answer(
      "GET /admin/users/ann/tokens",
      {200,
       R"({"username":"ann","tokens":[{"id":"0123456789abcdef","role":"viewer","created_at":"2026-01-01T00:00:00.000Z","expires_at":"2026-01-01T12:00:00.000Z","last_used_at":null},{"id":"fedcba9876543210","role":"viewer","created_at":"2026-01-01T01:00:00.000Z","expires_at":"2026-01-01T13:00:00.000Z","last_used_at":"2026-01-01T02:00:00.000Z"}]})"});
  auto table = run({"user", "tokens", "ann"});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("ID"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("LAST USED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("0123456789abcdef  viewer  2026-01-01T00:00:00.000Z  "
                           "2026-01-01T12:00:00.000Z  -"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("2026-01-01T02:00:00.000Z"), std::string::npos) << table.out;

  auto json = run({"-o", "json", "user", "tokens", "ann"});
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(client::list(onlyJson(json.out), "tokens")->size(), 2u);

  admin_.answer("GET /admin/users/bob/tokens", {200, R"({"username":"bob","tokens":[]})"});
  EXPECT_EQ(run({"user", "tokens", "bob"}).out, "user bob has no live tokens\n");
}

TEST_F(CtlVerbsTest, UserRevokeTakesATokenIdOrAll) {
  admin_.answer("DELETE /admin/users/ann/tokens/0123456789abcdef", {204, ""});
  auto one = run({"user", "revoke", "ann", "0123456789abcdef"});
  EXPECT_EQ(one.code, 0) << one.err;
  EXPECT_EQ(one.out, "revoked token 0123456789abcdef of ann\n");
  auto one_json = run({"user", "revoke", "ann", "0123456789abcdef", "-o", "json"});
  EXPECT_TRUE(client::flag(onlyJson(one_json.out), "revoked"));

  admin_.answer("DELETE /admin/users/ann/tokens", {200, R"({"username":"ann","revoked":3})"});
  auto all = run({"user", "revoke", "ann", "--all"});
  EXPECT_EQ(all.code, 0) << all.err;
  EXPECT_EQ(all.out, "revoked 3 tokens of ann\n");
  auto all_json = run({"-o", "json", "user", "revoke", "ann", "--all"});
  EXPECT_EQ(client::integer(onlyJson(all_json.out), "revoked"), 3);

  admin_.answer(
      "DELETE /admin/users/ann/tokens/ffffffffffffffff",
      {404,
       R"({"error":{"status":404,"code":"not_found","message":"user 'ann' has no token with id 'ffffffffffffffff'"}})"});
  EXPECT_EQ(run({"user", "revoke", "ann", "ffffffffffffffff"}).code, 1);

  const std::size_t before = admin_.seen().size();
  EXPECT_EQ(run({"user", "revoke", "ann"}).code, 3);                               // neither
  EXPECT_EQ(run({"user", "revoke", "ann", "0123456789abcdef", "--all"}).code, 3);  // both
  EXPECT_EQ(admin_.seen().size(), before) << "nothing was sent";
}

TEST_F(CtlVerbsTest, RatelimitResetAndCacheFlushEncodeTheirQuery) {
  admin_.answer("DELETE /admin/ratelimit?rule=login&key=10.0.0.1%3A5", {200, R"({"reset":true})"});
  EXPECT_EQ(run({"ratelimit", "reset", "--rule", "login", "--key", "10.0.0.1:5"}).code, 0);
  admin_.answer("DELETE /admin/cache?prefix=%2Fapi%2Fsystem", {200, R"({"flushed":3})"});
  auto flush = run({"cache", "flush", "--prefix", "/api/system"});
  EXPECT_EQ(flush.code, 0) << flush.err;
  EXPECT_EQ(flush.out, "flushed 3 entries under /api/system\n");
}

TEST_F(CtlVerbsTest, BreakersTable) {
  admin_.answer(
      "GET /admin/breakers",
      {200,
       R"({"breakers":[{"name":"db","state":"closed","failures":0,"successes":10,"rejections":0,"opened_total":1,"since":"2026-01-01T00:00:00Z"}]})"});
  auto outcome = run({"breakers"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.out,
            "BREAKER  STATE   FAILURES  SUCCESSES  REJECTIONS  OPENED  SINCE\n"
            "db       closed         0         10           0       1  2026-01-01T00:00:00Z\n");
}

TEST_F(CtlVerbsTest, FaultDbNeedsAnOptionAndChecksRanges) {
  EXPECT_EQ(run({"fault", "db"}).code, 3);
  EXPECT_EQ(run({"fault", "db", "--error-rate", "1.5"}).code, 3);
  admin_.answer("PUT /admin/faults/db", {200, R"({"delay_ms":50,"error_rate":0.1})"});
  EXPECT_EQ(run({"fault", "db", "--delay-ms", "50", "--error-rate", "0.1"}).code, 0);
  auto body = client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::integer(body, "delay_ms"), 50);
  EXPECT_DOUBLE_EQ(client::number(body, "error_rate"), 0.1);
}

TEST_F(CtlVerbsTest, FaultDbPrintsTheWholeResultingState) {
  // The daemon keeps the delay set earlier; the answer to the new error rate shows both.
  admin_.answer("PUT /admin/faults/db",
                {200, R"({"db":{"delay_ms":200,"error_rate":1,"injected_errors_total":0}})"});
  auto outcome = run({"fault", "db", "--error-rate", "1"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("db delay:"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("200 ms"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("100%"), std::string::npos) << outcome.out;
}

TEST_F(CtlVerbsTest, RatelimitShowPrintsTheConfiguredRate) {
  admin_.answer(
      "GET /admin/ratelimit",
      {200,
       R"({"enabled":true,"mode":"enforce","rules":[{"name":"login","paths":"/api/auth/login","methods":"POST","rate":"5/m","burst":5,"key":"ip","admitted":3,"rejected":1,"shadow_rejected":0,"keys":1,"top_keys":[]}]})"});
  auto outcome = run({"ratelimit"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find(" 5/m "), std::string::npos) << outcome.out;
  EXPECT_EQ(outcome.out.find("0/s"), std::string::npos) << outcome.out;
}

TEST_F(CtlVerbsTest, LogLevelAcceptsTheNamesTheDaemonPrintsInAnyCase) {
  admin_.answer("PUT /admin/log-level", {200, R"({"level":"warn"})"});
  for (const std::string level : {"warning", "WARNING", "Error", "warn"}) {
    auto outcome = run({"log-level", level});
    EXPECT_EQ(outcome.code, 0) << level << ": " << outcome.err;
    auto body = client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(client::text(body, "level"), Poco::toLower(level));
  }
  EXPECT_EQ(run({"log-level", "loud"}).code, 3);
}

TEST_F(CtlVerbsTest, BackupForceAsksTheDaemonToOverwrite) {
  admin_.answer("POST /admin/backup", {200, R"({"path":"/tmp/b.db","bytes":4096})"});
  ASSERT_EQ(run({"backup", "/tmp/b.db", "--force"}).code, 0);
  auto body = client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_TRUE(client::flag(body, "overwrite"));
  ASSERT_EQ(run({"backup", "/tmp/b.db"}).code, 0);
  body = client::parseJson(admin_.seen().back().body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_FALSE(body->has("overwrite"));
}

TEST_F(CtlVerbsTest, ValidationErrorsNameTheirField) {
  admin_.answer(
      "POST /admin/backup",
      {400,
       R"({"error":{"status":400,"code":"validation_failed","message":"must be an absolute file path","field":"path","request_id":"q2"}})"});
  auto outcome = run({"backup", "/tmp/x.db"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_NE(outcome.err.find("validation_failed: path: must be an absolute file path"),
            std::string::npos)
      << outcome.err;
}

TEST_F(CtlVerbsTest, RestartWaitReportsTheGap) {
  admin_.answer("POST /admin/restart", {202, R"({"status":"restarting"})"});
  public_.answerSequence("GET /health/ready", {{200, R"({"status":"pass","uptime_s":5000})"},
                                               {503, R"({"status":"fail","uptime_s":0})"},
                                               {503, R"({"status":"fail","uptime_s":0})"},
                                               {200, R"({"status":"pass","uptime_s":0.05})"}});
  auto outcome = run({"restart", "--wait", "-o", "json"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  auto report = onlyJson(outcome.out);
  EXPECT_EQ(client::integer(report, "polls"), 4);
  EXPECT_DOUBLE_EQ(client::number(report, "unavailable_ms"), 200.0);
  EXPECT_DOUBLE_EQ(client::number(report, "waited_ms"), 300.0);
}

TEST_F(CtlVerbsTest, RestartWaitGivesUp) {
  admin_.answer("POST /admin/restart", {202, R"({"status":"restarting"})"});
  public_.answer("GET /health/ready", {503, R"({"status":"fail"})"});
  auto outcome = run({"restart", "--wait", "--wait-timeout", "1"});
  EXPECT_EQ(outcome.code, 1);
  EXPECT_NE(outcome.err.find("not ready again within 1 s"), std::string::npos);
}

TEST_F(CtlVerbsTest, VersionShowsBothOrFailsUnreachable) {
  public_.answer("GET /health", {200, kHealthPass});
  auto outcome = run({"version"});
  EXPECT_EQ(outcome.code, 0);
  EXPECT_EQ(outcome.out,
            std::string("controlcenterctl ") + CC_VERSION + "\ncontrolcenterd   0.1.0\n");
  env_["CONTROLCENTER_URL"] = "http://127.0.0.1:" + std::to_string(testing::closedPort());
  EXPECT_EQ(run({"version"}).code, 2);
}

TEST_F(CtlVerbsTest, CompletionScriptsCoverEveryVerbAndParse) {
  for (const std::string shell : {"bash", "zsh"}) {
    auto outcome = run({"completion", shell});
    ASSERT_EQ(outcome.code, 0);
    for (const auto& spec : verbTable()) {
      EXPECT_NE(outcome.out.find(spec.verb), std::string::npos) << shell << " " << spec.verb;
      for (const auto& option : spec.options) {
        EXPECT_NE(outcome.out.find("--" + option.name), std::string::npos) << option.name;
      }
    }
    const std::string path = writeFile("completion." + shell, outcome.out);
    const std::string checker = shell == "bash" ? "bash" : "zsh";
    if (checker == "zsh" && std::system("command -v zsh >/dev/null 2>&1") != 0) continue;
    EXPECT_EQ(std::system((checker + " -n " + path).c_str()), 0) << outcome.out;
  }
}

TEST_F(CtlVerbsTest, StatusShowsNoConfigFileAndTheWebSocketCounters) {
  admin_.answer(
      "GET /admin/status",
      {200,
       R"({"version":"0.1.0","pid":7,"started_at":"2026-01-01T00:00:00.000Z","uptime_s":0.04,"config_file":null,"log_level":"info","draining":false,"listeners":{"http":"127.0.0.1:8080","admin":"127.0.0.1:8081"},"http":{},"websockets":{"connections":{"metrics":2,"ws":1},"accepted_total":9,"refused":{"bad_request":0,"unauthorized":3,"capacity":1,"per_client":0,"shutting_down":0},"closed":{"client":5,"auth_timeout":0,"idle":1},"limits":{"max_connections":1000}}})"});
  auto outcome = run({"status"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("config file:     (none)\n"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("uptime:          40.0 ms\n"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("websockets:      3 open (2 metrics, 1 ws), 9 accepted\n"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("ws refused:      4 total: unauthorized 3, capacity 1\n"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("ws closed:       6 total: client 5, idle 1\n"), std::string::npos)
      << outcome.out;
  // No line ends in a label alone.
  EXPECT_EQ(outcome.out.find(":\n"), std::string::npos) << outcome.out;
}

TEST_F(CtlVerbsTest, EmptyArraysInJsonAreCompact) {
  admin_.answer("POST /admin/reload", {200, R"({"applied":[],"needs_restart":[]})"});
  auto reload = run({"reload", "-o", "json"});
  EXPECT_EQ(reload.code, 0) << reload.err;
  EXPECT_EQ(reload.out, "{\n  \"applied\": [],\n  \"needs_restart\": []\n}\n");
  admin_.answer("GET /admin/users", {200, R"({"users":[]})"});
  auto users = run({"user", "list", "-o", "json"});
  EXPECT_EQ(users.code, 0) << users.err;
  EXPECT_EQ(users.out, "{\n  \"users\": []\n}\n");
}

TEST_F(CtlVerbsTest, WaitPollsThroughRefusalsAndFailuresUntilReady) {
  public_.answerSequence("GET /health/ready", {{503, R"({"status":"fail","uptime_s":0})"},
                                               {503, R"({"status":"fail","uptime_s":0})"},
                                               {200, R"({"status":"pass","uptime_s":0.2})"}});
  auto outcome = run({"wait", "--for=ready", "-o", "json"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  auto report = onlyJson(outcome.out);
  EXPECT_EQ(client::text(report, "condition"), "ready");
  EXPECT_EQ(client::text(report, "status"), "pass");
  EXPECT_EQ(client::integer(report, "polls"), 3);
  EXPECT_DOUBLE_EQ(client::number(report, "waited_ms"), 200.0);  // two 100 ms sleeps

  public_.answer("GET /health/live", {200, R"({"status":"pass"})"});
  auto live = run({"wait", "--for", "live"});
  EXPECT_EQ(live.code, 0) << live.err;
  EXPECT_EQ(live.out, "controlcenterd is live (pass) after 0.00 ms, 1 poll\n");
}

TEST_F(CtlVerbsTest, WaitGivesUpWithExit5NamingTheLastProblem) {
  public_.answer("GET /health/ready", {503, R"({"status":"fail"})"});
  auto outcome = run({"wait", "--for=ready", "--timeout", "350ms"});
  EXPECT_EQ(outcome.code, 5);
  EXPECT_TRUE(outcome.out.empty());
  EXPECT_NE(outcome.err.find("controlcenterd was not ready within 350ms (5 polls"),
            std::string::npos)
      << outcome.err;
  EXPECT_NE(outcome.err.find("last: status fail (HTTP 503)"), std::string::npos) << outcome.err;

  // Nobody listening (a daemon still starting) is not-yet too, not exit 2.
  env_["CONTROLCENTER_URL"] = "http://127.0.0.1:" + std::to_string(testing::closedPort());
  auto refused = run({"wait", "--for=live", "--timeout=200ms"});
  EXPECT_EQ(refused.code, 5) << refused.err;
  EXPECT_NE(refused.err.find("connection refused"), std::string::npos) << refused.err;
  EXPECT_EQ(run({"wait", "--for=live", "--timeout", "0"}).code, 5) << "0 polls once";
}

constexpr const char* kConfigDump =
    R"({"file":"/etc/cc.properties","keys":[{"key":"admin.port","value":"8081","source":"default","reloadable":false,"redacted":false},{"key":"log.level","value":"debug","source":"/etc/cc.properties:3","reloadable":true,"redacted":false},{"key":"metrics.token","value":"[redacted]","source":"--define","reloadable":false,"redacted":true}]})";

TEST_F(CtlVerbsTest, ConfigShowPrintsValuesSourcesAndRedactions) {
  admin_.answer("GET /admin/config", {200, kConfigDump});
  auto table = run({"config"});
  EXPECT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out,
            "config file: /etc/cc.properties\n\n"
            "KEY            VALUE       SOURCE                RELOAD\n"
            "admin.port     8081        default               restart\n"
            "log.level      debug       /etc/cc.properties:3  yes\n"
            "metrics.token  [redacted]  --define              restart\n");
  EXPECT_EQ(admin_.seen().back().authorization, "Bearer tok-123");

  auto json = run({"config", "show", "log.", "-o", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  auto document = onlyJson(json.out);
  EXPECT_EQ(client::text(document, "file"), "/etc/cc.properties");
  auto keys = client::list(document, "keys");
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(client::text(client::itemAt(keys, 0), "source"), "/etc/cc.properties:3");

  auto none = run({"config", "show", "nosuch."});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("no configuration key starts with 'nosuch.'"), std::string::npos);
  EXPECT_EQ(run({"config", "show", "a", "b"}).code, 3);
}

}  // namespace
}  // namespace cc::ctl
