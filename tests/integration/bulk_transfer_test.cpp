// Moving a fleet with the real binaries: controlcenterctl export and import between two daemons,
// rejected lines reported by their file line numbers, dry runs, the exit codes, clients that
// leave in the middle of an export, and an export that outlasts the request deadline.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "domain/bulk_records.h"
#include "support/api_calls.h"
#include "support/daemon_process.h"

namespace cc::testing {
namespace {

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string describeRun(const RunResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out.substr(0, 4000) +
         "\nstderr:\n" + r.err.substr(0, 4000);
}

int64_t lineCount(const std::string& text) {
  return static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
}

Poco::JSON::Object::Ptr parseReport(const std::string& text) {
  try {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    ADD_FAILURE() << "not a JSON object: " << e.displayText() << "\n" << text.substr(0, 2000);
    return new Poco::JSON::Object;
  }
}

// Five projects with ids of their own, and `n` agents: every level and status, some in a
// project, some with a heartbeat and metadata, some without an id.
std::string projectsFile() {
  std::string text;
  for (int i = 1; i <= 5; ++i) {
    text +=
        R"({"id":)" + std::to_string(10 + i) + R"(,"name":"project-)" + std::to_string(i) +
        R"(","description":"moved in","status":")" + (i == 5 ? "archived" : "active") +
        R"(","path":"/srv/p)" + std::to_string(i) +
        R"(","created_at":"2021-03-04T05:06:07.089Z","updated_at":"2022-01-01T00:00:00.000Z"})" +
        "\n";
  }
  return text;
}

std::string agentLine(int i) {
  static const char* levels[] = {"L1", "L2", "L3"};
  static const char* statuses[] = {"idle", "active", "busy", "offline"};
  std::string line = "{";
  if (i % 10 != 0) line += R"("id":)" + std::to_string(100 + i * 2) + ",";
  line += R"("name":"agent-)" + std::to_string(i) + R"(","level":")" + levels[i % 3] +
          R"(","role":"role-)" + std::to_string(i % 7) + R"(","status":")" + statuses[i % 4] + "\"";
  if (i % 3 == 0) line += R"(,"project_id":)" + std::to_string(11 + i % 5);
  if (i % 4 == 0) line += R"(,"metadata":{"rack":"r)" + std::to_string(i % 9) + R"(","u":[1,2]})";
  if (i % 5 == 0)
    line += R"(,"last_heartbeat":"2024-06-01T10:00:00.)" + std::to_string(100 + i % 900) + "Z\"";
  line += R"(,"created_at":"2020-01-01T00:00:00.000Z","updated_at":"2023-02-03T04:05:06.007Z"})";
  return line + "\n";
}

std::string agentsFile(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i) text += agentLine(i);
  return text;
}

class BulkTransferTest : public ::testing::Test {
 protected:
  struct Daemon {
    std::unique_ptr<DaemonProcess> process;
    std::string config;
    std::string token;  // admin role, for direct API calls
  };

  Daemon& startDaemon(std::vector<std::string> args = {}) {
    auto d = std::make_unique<Daemon>();
    d->process = std::make_unique<DaemonProcess>(std::move(args));
    d->process->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    EXPECT_TRUE(d->process->start()) << d->process->log();
    d->config = dir_.path() + "/ctl-" + std::to_string(daemons_.size()) + ".properties";
    writeText(d->config, "daemon.state_dir = " + d->process->stateDir() + "\n");
    d->token = mintToken(*d->process, "admin");
    daemons_.push_back(std::move(d));
    return *daemons_.back();
  }

  RunResult ctl(const Daemon& d, std::vector<std::string> args) {
    args.insert(args.begin(), {CC_CTL_PATH, "--config", d.config});
    return runProgram(args);
  }

  HttpResult api(Daemon& d, const std::string& method, const std::string& path,
                 const std::string& body = {}) {
    return d.process->request(method, path, body, jsonHeaders(d.token));
  }

  std::string file(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    writeText(path, text);
    return path;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

TEST_F(BulkTransferTest, ExportThenImportIntoAFreshDaemonKeepsEveryRowAndTheCounts) {
  Daemon& from = startDaemon();
  auto projects = ctl(from, {"import", "projects", file("p.ndjson", projectsFile())});
  ASSERT_EQ(projects.exit_code, 0) << describeRun(projects);
  auto agents = ctl(from, {"import", "agents", file("a.ndjson", agentsFile(2600))});
  ASSERT_EQ(agents.exit_code, 0) << describeRun(agents);
  EXPECT_NE(agents.out.find("2600 lines, 2600 accepted, 0 rejected"), std::string::npos)
      << describeRun(agents);
  // Rows the ordinary API made, a gap where one was deleted, a heartbeat that moved a status.
  ASSERT_EQ(
      api(from, "POST", "/api/agents", R"({"name":"made here","level":"L3","role":"x"})").status,
      201);
  ASSERT_EQ(api(from, "DELETE", "/api/agents/104").status, 204);
  ASSERT_EQ(api(from, "POST", "/api/agents/106/heartbeat").status, 200);

  const std::string pa = dir_.path() + "/projects-a.ndjson";
  const std::string aa = dir_.path() + "/agents-a.ndjson";
  auto export_p = ctl(from, {"export", "projects", "--file", pa});
  ASSERT_EQ(export_p.exit_code, 0) << describeRun(export_p);
  auto export_a = ctl(from, {"-o", "json", "export", "agents", "-f", aa});
  ASSERT_EQ(export_a.exit_code, 0) << describeRun(export_a);
  EXPECT_EQ(parseReport(export_a.out)->getValue<int64_t>("rows"), 2600);
  EXPECT_EQ(lineCount(readTextFile(aa)), 2600);
  EXPECT_EQ(lineCount(readTextFile(pa)), 5);

  Daemon& to = startDaemon();
  auto import_p = ctl(to, {"import", "projects", pa});
  ASSERT_EQ(import_p.exit_code, 0) << describeRun(import_p);
  auto import_a = ctl(to, {"import", "agents", aa});
  ASSERT_EQ(import_a.exit_code, 0) << describeRun(import_a);

  const std::string pb = dir_.path() + "/projects-b.ndjson";
  const std::string ab = dir_.path() + "/agents-b.ndjson";
  ASSERT_EQ(ctl(to, {"export", "projects", "--file", pb}).exit_code, 0);
  ASSERT_EQ(ctl(to, {"export", "agents", "-f", ab}).exit_code, 0);
  // Ids, times, statuses, heartbeats and metadata all came across: the exports are the same.
  EXPECT_TRUE(readTextFile(ab) == readTextFile(aa)) << "agents differ after the move";
  EXPECT_EQ(readTextFile(pb), readTextFile(pa));
  EXPECT_EQ(api(to, "GET", "/api/agents/stats").body, api(from, "GET", "/api/agents/stats").body);
  EXPECT_EQ(jsonField(api(to, "GET", "/api/agents?project_id=13").body, "total"),
            jsonField(api(from, "GET", "/api/agents?project_id=13").body, "total"));
  EXPECT_EQ(jsonField(api(to, "GET", "/api/projects?status=archived").body, "total"), "1");
  // New rows on the new daemon get ids past the moved ones.
  auto fresh =
      api(to, "POST", "/api/agents", R"({"name":"after the move","level":"L1","role":"x"})");
  ASSERT_EQ(fresh.status, 201);
  EXPECT_GT(std::stoll(jsonField(fresh.body, "id")), 100 + 2600 * 2);
}

// What a second connection to a daemon's database answers (the sqlite3 shell), one line a row.
std::string sqliteAnswer(const DaemonProcess& d, const std::string& sql) {
  auto r = runProgram({"/usr/bin/sqlite3", d.stateDir() + "/controlcenter.db", sql});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

const char* const kAgentIndexes =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'agents'"
    " AND sql IS NOT NULL";

// The ctl imports agents into an empty daemon as a bulk load and ends it, so that afterwards
// every index is there; a daemon killed mid-load builds the deferred ones when it starts again.
TEST_F(BulkTransferTest, ABulkLoadEndsWithEveryIndexAfterTheCtlAndAfterAKill) {
  Daemon& d = startDaemon();
  const std::string all_indexes = sqliteAnswer(*d.process, kAgentIndexes);
  ASSERT_GT(std::stoi(all_indexes), 10);
  ASSERT_EQ(ctl(d, {"import", "projects", file("p.ndjson", projectsFile())}).exit_code, 0);
  auto agents = ctl(d, {"-o", "json", "import", "agents", file("a.ndjson", agentsFile(900))});
  ASSERT_EQ(agents.exit_code, 0) << describeRun(agents);
  EXPECT_EQ(parseReport(agents.out)->getValue<int64_t>("accepted"), 900);
  EXPECT_EQ(sqliteAnswer(*d.process, kAgentIndexes), all_indexes);
  EXPECT_EQ(sqliteAnswer(*d.process, "SELECT COUNT(*) FROM deferred_indexes"), "0\n");

  // By hand: a load's batch into an empty table, then the daemon killed before its end.
  const std::string state = dir_.path() + "/killed";
  auto killed = std::make_unique<DaemonProcess>(std::vector<std::string>{}, state);
  killed->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
  ASSERT_TRUE(killed->start()) << killed->log();
  std::map<std::string, std::string> headers = jsonHeaders(mintToken(*killed, "admin"));
  headers["Content-Type"] = "application/x-ndjson";
  ASSERT_EQ(killed->request("POST", "/api/projects/import", projectsFile(), headers).status, 200);
  auto load =
      killed->request("POST", "/api/agents/import?bulk_load=true", agentsFile(300), headers);
  ASSERT_EQ(load.status, 200) << load.body;
  EXPECT_EQ(jsonField(load.body, "bulk_load"), "loading");
  EXPECT_EQ(jsonField(load.body, "accepted"), "300");
  EXPECT_EQ(sqliteAnswer(*killed, kAgentIndexes), "1\n") << "only the unique one is left";
  // Reads stay exact meanwhile.
  EXPECT_EQ(jsonField(killed->request("GET", "/api/agents?status=busy", "", headers).body, "total"),
            "75");
  EXPECT_EQ(jsonField(killed->request("GET", "/api/agents?q=agent-29", "", headers).body, "total"),
            "11");
  // A load is only for what a load can be.
  EXPECT_EQ(
      killed->request("POST", "/api/agents/import?bulk_load=true&dry_run=true", "", headers).status,
      400);
  EXPECT_EQ(killed->request("POST", "/api/projects/import?bulk_load=true", "", headers).status,
            400);
  EXPECT_EQ(killed->request("POST", "/api/agents/import?bulk_load=maybe", "", headers).status, 400);
  killed->signal(SIGKILL);
  ASSERT_EQ(killed->waitExit(std::chrono::seconds(10)), 128 + SIGKILL);

  auto again = std::make_unique<DaemonProcess>(std::vector<std::string>{}, state);
  ASSERT_TRUE(again->start()) << again->log();
  EXPECT_NE(again->log().find("built the " + std::to_string(std::stoi(all_indexes) - 1) +
                              " indexes it had deferred"),
            std::string::npos)
      << again->log();
  EXPECT_EQ(sqliteAnswer(*again, kAgentIndexes), all_indexes);
  EXPECT_EQ(sqliteAnswer(*again, "SELECT COUNT(*) FROM deferred_indexes"), "0\n");
  EXPECT_EQ(sqliteAnswer(*again, "PRAGMA integrity_check"), "ok\n");
  auto token = mintToken(*again, "admin");
  EXPECT_EQ(
      jsonField(again->request("GET", "/api/agents/stats", "", jsonHeaders(token)).body, "total"),
      "300");
  // An end with no load in progress is answered, and builds nothing.
  auto end_headers = jsonHeaders(token);
  end_headers["Content-Type"] = "application/x-ndjson";
  auto end = again->request("POST", "/api/agents/import?bulk_load=end", "", end_headers);
  ASSERT_EQ(end.status, 200) << end.body;
  EXPECT_EQ(jsonField(end.body, "bulk_load"), "ended");
  EXPECT_EQ(jsonField(end.body, "indexes_built"), "0");
}

TEST_F(BulkTransferTest, RejectedLinesAreReportedWithTheirLineNumbersInTheFile) {
  Daemon& d = startDaemon();
  ASSERT_EQ(ctl(d, {"import", "projects", file("p.ndjson", projectsFile())}).exit_code, 0);
  // Past one request's worth of lines, so that numbers must be mapped back across requests.
  std::string text;
  for (int i = 1; i <= 9000; ++i) {
    if (i == 3) {
      text += R"({"name":"bad level","level":"L4","role":"r"})"
              "\n";
    } else if (i == 4) {
      text += "\n";
    } else if (i == 8005) {
      text += "{this is not json\n";
    } else if (i == 8999) {
      text += R"({"name":"orphan","level":"L1","role":"r","project_id":999})"
              "\n";
    } else {
      text += R"({"name":"a)" + std::to_string(i) +
              R"(","level":"L1","role":"r"})"
              "\n";
    }
  }
  const std::string path = file("rejects.ndjson", text);
  auto r = ctl(d, {"import", "agents", path});
  EXPECT_EQ(r.exit_code, 1) << describeRun(r);
  EXPECT_NE(r.out.find("9000 lines, 8996 accepted, 3 rejected, 1 blank"), std::string::npos)
      << describeRun(r);
  EXPECT_NE(r.out.find("   3  level       validation_failed"), std::string::npos) << describeRun(r);
  EXPECT_NE(r.out.find("8005  -           bad_request        malformed JSON"), std::string::npos)
      << describeRun(r);
  EXPECT_NE(r.out.find("8999  project_id  validation_failed  no project with id 999"),
            std::string::npos)
      << describeRun(r);
  EXPECT_EQ(jsonField(api(d, "GET", "/api/agents/stats").body, "total"), "8996");
}

TEST_F(BulkTransferTest, ADryRunChecksEveryLineAndWritesNothing) {
  Daemon& d = startDaemon();
  ASSERT_EQ(api(d, "POST", "/api/agents", R"({"name":"already","level":"L1","role":"r"})").status,
            201);  // id 1
  const std::string path =
      file("dry.ndjson", std::string(R"({"id":1,"name":"taken id","level":"L1","role":"r"})") +
                             "\n" + agentLine(1) + agentLine(2) +
                             R"({"name":"x","level":"L1","role":"r","project_id":12})"
                             "\n");
  const std::string stats_before = api(d, "GET", "/api/agents/stats").body;
  auto r = ctl(d, {"-o", "json", "import", "agents", path, "--dry-run"});
  EXPECT_EQ(r.exit_code, 1) << describeRun(r);
  auto doc = parseReport(r.out);
  EXPECT_TRUE(doc->getValue<bool>("dry_run"));
  EXPECT_EQ(doc->getValue<int64_t>("accepted"), 2);
  EXPECT_EQ(doc->getValue<int64_t>("rejected"), 2);
  auto list = doc->getArray("rejections");
  ASSERT_EQ(list->size(), 2u) << r.out;
  EXPECT_EQ(list->getObject(0)->getValue<int64_t>("line"), 1);
  EXPECT_EQ(list->getObject(0)->getValue<std::string>("field"), "id");
  EXPECT_EQ(list->getObject(1)->getValue<int64_t>("line"), 4);
  EXPECT_EQ(list->getObject(1)->getValue<std::string>("field"), "project_id");
  EXPECT_EQ(api(d, "GET", "/api/agents/stats").body, stats_before);
  EXPECT_EQ(api(d, "GET", "/api/agents/102").status, 404) << "nothing written";

  // The valid lines alone pass a dry run with exit 0, and still write nothing.
  auto clean =
      ctl(d, {"import", "agents", file("clean.ndjson", agentLine(1) + agentLine(2)), "--dry-run"});
  EXPECT_EQ(clean.exit_code, 0) << describeRun(clean);
  EXPECT_NE(clean.out.find("dry run: nothing was written"), std::string::npos)
      << describeRun(clean);
  EXPECT_EQ(api(d, "GET", "/api/agents/stats").body, stats_before);
}

TEST_F(BulkTransferTest, TheVerbsExitWithTheDocumentedCodes) {
  Daemon& d = startDaemon();
  const std::string good = file("good.ndjson", agentLine(1));
  EXPECT_EQ(ctl(d, {"import", "agents", dir_.path() + "/missing.ndjson"}).exit_code, 3);
  EXPECT_EQ(ctl(d, {"import", "widgets", good}).exit_code, 3);
  EXPECT_EQ(ctl(d, {"export"}).exit_code, 3);

  writeText(dir_.path() + "/wrong.token", std::string(64, 'a') + "\n");
  auto unauthorized =
      ctl(d, {"--token-file", dir_.path() + "/wrong.token", "import", "agents", good});
  EXPECT_EQ(unauthorized.exit_code, 4) << describeRun(unauthorized);
  EXPECT_EQ(ctl(d, {"--token-file", dir_.path() + "/wrong.token", "export", "agents"}).exit_code,
            4);

  Poco::Net::ServerSocket closed(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string dead = "http://" + closed.address().toString();
  closed.close();
  auto unreachable = ctl(d, {"--url", dead, "export", "agents"});
  EXPECT_EQ(unreachable.exit_code, 2) << describeRun(unreachable);
  EXPECT_NE(unreachable.err.find(dead), std::string::npos) << describeRun(unreachable);
  EXPECT_EQ(ctl(d, {"--url", dead, "import", "agents", good}).exit_code, 2);

  auto ok = ctl(d, {"import", "agents", good});
  EXPECT_EQ(ok.exit_code, 0) << describeRun(ok);
  auto again = ctl(d, {"import", "agents", good});
  EXPECT_EQ(again.exit_code, 1) << "the id is taken now: " << describeRun(again);
  EXPECT_NE(again.out.find("an agent with id 102 exists"), std::string::npos) << describeRun(again);
}

TEST_F(BulkTransferTest, ClientsThatLeaveMidExportLeaveTheDaemonHealthy) {
  Daemon& d = startDaemon();
  ASSERT_EQ(ctl(d, {"import", "projects", file("p.ndjson", projectsFile())}).exit_code, 0);
  auto imported = ctl(d, {"import", "agents", file("a.ndjson", agentsFile(6000))});
  ASSERT_EQ(imported.exit_code, 0) << describeRun(imported);
  const std::string request =
      "GET /api/agents/export HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + d.token + "\r\n\r\n";
  for (int i = 0; i < 12; ++i) {
    Poco::Net::StreamSocket socket{Poco::Net::SocketAddress(d.process->httpAddress())};
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    char buf[4096];
    ASSERT_GT(socket.receiveBytes(buf, sizeof buf), 0);
    if (i % 2 == 0) socket.shutdown();  // half of them politely, half by just closing
    socket.close();
  }
  // Every abandoned export ends: the in-flight gauge counts the public listener only (the scrape
  // goes to the admin listener), so it falls back to zero.
  std::string metrics;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    metrics = d.process->admin("GET", "/metrics").body;
    if (metrics.find("\ncontrolcenter_http_inflight_requests 0\n") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_NE(metrics.find("\ncontrolcenter_http_inflight_requests 0\n"), std::string::npos)
      << metrics.substr(0, 3000);
  EXPECT_EQ(d.process->get("/health/ready").status, 200);
  EXPECT_NE(d.process->log().find("client gone"), std::string::npos);
  auto whole = api(d, "GET", "/api/agents/export");
  ASSERT_EQ(whole.status, 200);
  EXPECT_EQ(lineCount(whole.body), 6000);
}

TEST_F(BulkTransferTest, AnExportIsNotCutByTheRequestDeadlineNorCached) {
  // A cache rule over every agent route, and a request budget shorter than the whole export
  // once every store call is slowed down: each page gets the budget anew.
  Daemon& d = startDaemon({"-D", "http.request_timeout_ms=2000", "-D", "cache.rules=agents", "-D",
                           "cache.rule.agents.paths=/api/agents, /api/agents/*", "-D",
                           "cache.rule.agents.ttl_ms=60000"});
  ASSERT_EQ(ctl(d, {"import", "projects", file("p.ndjson", projectsFile())}).exit_code, 0);
  ASSERT_EQ(ctl(d, {"import", "agents", file("a.ndjson", agentsFile(3000))}).exit_code, 0);
  ASSERT_EQ(d.process->admin("PUT", "/admin/faults/db", R"({"delay_ms":400})").status, 200);
  const auto started = std::chrono::steady_clock::now();
  auto first = api(d, "GET", "/api/agents/export");
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(first.status, 200) << first.body.substr(0, 500);
  EXPECT_EQ(lineCount(first.body), 3000);
  ASSERT_GT(took, std::chrono::milliseconds(2000)) << "the export must outlast one request budget";
  EXPECT_EQ(first.header("X-Cache"), "");
  auto second = api(d, "GET", "/api/agents/export");
  EXPECT_EQ(second.header("X-Cache"), "") << "never served from the cache";
  EXPECT_EQ(second.body, first.body);
  // The rule is live: an ordinary listing under it is cached.
  api(d, "GET", "/api/agents?limit=1");
  EXPECT_EQ(api(d, "GET", "/api/agents?limit=1").header("X-Cache"), "HIT");
}

// The import route over a plain socket, as curl would send a file: one request of any size
// (past http.max_body_bytes), read as it arrives; a malformed line is a rejected line; a body
// cut short keeps the batches written before it and nothing after; past
// http.import_max_body_bytes the answer is 413.
TEST_F(BulkTransferTest, OneRequestOfAnySizeIsReadAsItArrivesAndACutBodyKeepsWholeBatches) {
  Daemon& d =
      startDaemon({"-D", "http.max_body_bytes=65536", "-D", "http.import_max_body_bytes=4000000"});
  std::map<std::string, std::string> headers = jsonHeaders(d.token);
  headers["Content-Type"] = "application/x-ndjson";
  std::string body;
  for (int i = 1; i <= 5000; ++i) {
    body += i == 2500 ? std::string("{\"name\":\"broken\",\n")
                      : R"({"name":"one-request-)" + std::to_string(i) +
                            R"(","level":"L2","role":"bulk"})"
                            "\n";
  }
  ASSERT_GT(body.size(), 65536u * 4);
  auto whole = d.process->request("POST", "/api/agents/import", body, headers);
  ASSERT_EQ(whole.status, 200) << whole.body.substr(0, 500);
  EXPECT_EQ(jsonField(whole.body, "lines"), "5000");
  EXPECT_EQ(jsonField(whole.body, "accepted"), "4999");
  EXPECT_EQ(jsonField(whole.body, "rejected"), "1");
  EXPECT_NE(whole.body.find(
                R"({"line":2500,"field":null,"code":"bad_request","message":"malformed JSON)"),
            std::string::npos)
      << whole.body.substr(0, 500);
  EXPECT_EQ(jsonField(api(d, "GET", "/api/agents/stats").body, "total"), "4999");
  // The ordinary body limit still holds for every other route (asked with the head alone: a
  // client still sending a body the daemon refused may see a reset instead of the answer).
  const std::string create_head =
      "POST /api/agents HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + d.token +
      "\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n";
  EXPECT_EQ(rawExchange(d.process->httpAddress(), create_head).rfind("HTTP/1.1 413", 0), 0u);

  // Content-Length promises more than is sent, then the client closes: the first full batch
  // (lines 1..kImportBatchLines) is written, the cut one is not.
  const int batch = static_cast<int>(domain::kImportBatchLines);
  std::string cut;
  for (int i = 1; i <= batch + batch / 2; ++i) {
    cut += R"({"name":"cut-)" + std::to_string(i) +
           R"(","level":"L1","role":"cut"})"
           "\n";
  }
  const std::string head = "POST /api/agents/import HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                           d.token + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: " +
                           std::to_string(cut.size() + 1000) + "\r\n\r\n";
  {
    Poco::Net::StreamSocket socket{Poco::Net::SocketAddress(d.process->httpAddress())};
    const std::string sent = head + cut.substr(0, cut.size() - 20);  // the last line cut
    socket.sendBytes(sent.data(), static_cast<int>(sent.size()));
    socket.shutdownSend();
    char buf[4096];
    socket.setReceiveTimeout(Poco::Timespan(10, 0));
    try {
      while (socket.receiveBytes(buf, sizeof buf) > 0) {
      }
    } catch (const Poco::Exception&) {
      // A reset is as good an end as a close.
    }
  }
  // The counts are exact (the filtered total of the role is capped at 1,000): the whole first
  // batch is in, nothing of the cut one.
  const std::string after_cut = std::to_string(4999 + batch);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string total;
  while (std::chrono::steady_clock::now() < until) {
    total = jsonField(api(d, "GET", "/api/agents/stats").body, "total");
    if (total == after_cut) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(total, after_cut) << "the whole first batch, nothing of the cut one";
  EXPECT_NE(d.process->log().find("import body cut short"), std::string::npos) << d.process->log();

  // Past the import limit: 413 from the head alone, before any of the body is sent.
  const std::string too_large =
      "POST /api/agents/import HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + d.token +
      "\r\nContent-Type: application/x-ndjson\r\nContent-Length: 4000001\r\n\r\n";
  const std::string answer = rawExchange(d.process->httpAddress(), too_large);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 300);
  EXPECT_NE(answer.find("http.import_max_body_bytes"), std::string::npos) << answer.substr(0, 600);
  EXPECT_EQ(jsonField(api(d, "GET", "/api/agents/stats").body, "total"), after_cut);
  EXPECT_EQ(d.process->get("/health/ready").status, 200);
}

// A client that asks for a large answer and then reads none of it holds a worker and the
// unsent bytes only for http.send_timeout_ms: a page of 500 agents (sent whole) and an export
// (streamed) both end, counted, and the daemon serves on.
TEST_F(BulkTransferTest, AClientThatStopsReadingIsClosedAfterTheSendTimeout) {
  Daemon& d = startDaemon({"-D", "http.send_timeout_ms=500"});
  // 500 agents of about 15 KB each: 7.5 MB, more than the kernel buffers on both ends hold.
  const std::string padding(15000, 'x');
  std::string lines;
  for (int i = 1; i <= 500; ++i) {
    lines += R"({"name":"wide-)" + std::to_string(i) + R"(","level":"L1","role":"r",)" +
             R"("status":"idle","metadata":{"pad":")" + padding + R"("}})" + "\n";
  }
  auto imported = ctl(d, {"import", "agents", file("wide.ndjson", lines)});
  ASSERT_EQ(imported.exit_code, 0) << describeRun(imported);

  auto stalled = [&](const std::string& target) {
    // A small receive window, so that the answer backs up into the daemon's send buffer.
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.setReceiveBufferSize(4096);
    socket.connect(Poco::Net::SocketAddress(d.process->httpAddress()));
    const std::string request =
        "GET " + target + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + d.token + "\r\n\r\n";
    socket.sendBytes(request.data(), static_cast<int>(request.size()));
    return socket;
  };
  Poco::Net::StreamSocket page = stalled("/api/agents?limit=500");
  Poco::Net::StreamSocket exported = stalled("/api/agents/export");

  std::string metrics;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    metrics = d.process->admin("GET", "/metrics").body;
    // Both: a slow reader is counted just before its request stops being in flight.
    if (metrics.find("\ncontrolcenter_http_slow_readers_total 2\n") != std::string::npos &&
        metrics.find("\ncontrolcenter_http_inflight_requests 0\n") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(metrics.find("\ncontrolcenter_http_slow_readers_total 2\n"), std::string::npos)
      << metrics.substr(0, 3000);
  EXPECT_NE(metrics.find("\ncontrolcenter_http_inflight_requests 0\n"), std::string::npos);
  const std::string log = d.process->log();
  EXPECT_NE(log.find("client read nothing for http.send_timeout_ms (500 ms); connection closed"),
            std::string::npos)
      << log.substr(0, 4000);
  EXPECT_NE(log.find("streamed body ended after"), std::string::npos);

  // Both connections were closed by the daemon: reading on, each ends well short of the answer.
  for (Poco::Net::StreamSocket* socket : {&page, &exported}) {
    socket->setReceiveTimeout(Poco::Timespan(10, 0));
    int64_t received = 0;
    char buf[65536];
    try {
      int n;
      while ((n = socket->receiveBytes(buf, sizeof buf)) > 0) received += n;
    } catch (const Poco::Net::ConnectionResetException&) {
      // Closed with unsent data: a reset is how that ends.
    }
    EXPECT_LT(received, 7000000) << "the connection should have been closed early";
  }
  auto status = d.process->admin("GET", "/admin/status");
  EXPECT_NE(status.body.find("\"slow_readers_closed\":2"), std::string::npos) << status.body;
  EXPECT_EQ(d.process->get("/health/ready").status, 200);
  EXPECT_EQ(api(d, "GET", "/api/agents?limit=500").status, 200) << "and reading clients are served";
}

}  // namespace
}  // namespace cc::testing
