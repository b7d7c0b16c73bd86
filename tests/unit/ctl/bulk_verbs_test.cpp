// export and import against a fake daemon: where the bytes go, how line numbers map back to the
// file across requests, retries, smaller requests on 413, and the exit codes.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "client/api_client.h"
#include "client/http_client.h"
#include "client/json_fields.h"
#include "client/ndjson_reader.h"
#include "domain/bulk_records.h"
#include "unit/ctl/daemon_fixture.h"

namespace cc::ctl {
namespace {

using testing::FakeAnswer;

constexpr const char* kToken = R"({"token":"bulk-token","role":"admin"})";
const std::string kRows =
    "{\"id\":1,\"name\":\"a\"}\n"
    "{\"id\":2,\"name\":\"b\"}\n";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A report as the daemon gives it for `lines` lines, rejecting the listed (body) line numbers.
// Agents go in as a bulk load's requests (the ctl asks; the daemon decides).
constexpr const char* kAgentsImport = "POST /api/agents/import?bulk_load=true";

std::string importReport(int64_t lines, const std::vector<int64_t>& bad, int64_t blank = 0) {
  std::string rejections;
  for (int64_t line : bad) {
    rejections +=
        std::string(rejections.empty() ? "" : ",") + R"({"line":)" + std::to_string(line) +
        R"(,"field":"level","code":"validation_failed","message":"must be one of L1, L2, L3"})";
  }
  return R"({"dry_run":false,"lines":)" + std::to_string(lines) + R"(,"blank":)" +
         std::to_string(blank) + R"(,"accepted":)" +
         std::to_string(lines - blank - static_cast<int64_t>(bad.size())) + R"(,"rejected":)" +
         std::to_string(bad.size()) + R"(,"batches":1,"rejections":[)" + rejections +
         R"(],"rejections_omitted":0,"stopped":null})";
}

std::string agentLines(int n) {
  std::string text;
  for (int i = 1; i <= n; ++i) {
    text += R"({"name":"a)" + std::to_string(i) +
            R"(","level":"L1","role":"r"})"
            "\n";
  }
  return text;
}

class BulkVerbsTest : public testing::CtlDaemonFixture {
 protected:
  void SetUp() override {
    CtlDaemonFixture::SetUp();
    admin_.answer("POST /admin/tokens", {201, kToken});
    public_.requireToken("bulk-token");
    public_.answer("POST /api/auth/logout", {204, ""});
  }

  std::vector<testing::SeenRequest> seenImports(const std::string& kind = "agents") const {
    std::vector<testing::SeenRequest> out;
    for (const auto& r : public_.seen()) {
      if (r.uri.rfind("/api/" + kind + "/import", 0) == 0) out.push_back(r);
    }
    return out;
  }
  bool revoked() const {
    for (const auto& r : public_.seen()) {
      if (r.uri == "/api/auth/logout") return true;
    }
    return false;
  }
};

TEST_F(BulkVerbsTest, ExportWritesTheRowsToTheFileAndSummarises) {
  public_.answer("GET /api/agents/export", {200, kRows, "application/x-ndjson"});
  const std::string path = dir_ + "/agents.ndjson";
  auto outcome = run({"export", "agents", "--file", path});
  ASSERT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(readFile(path), kRows);
  EXPECT_FALSE(std::ifstream(path + ".partial").good()) << "moved into place";
  EXPECT_NE(outcome.out.find("exported 2 agents"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find(path), std::string::npos) << outcome.out;
  EXPECT_TRUE(revoked()) << "the minted token does not outlive the verb";

  auto json = run({"export", "agents", "-f", path, "-o", "json"});
  ASSERT_EQ(json.code, 0) << json.err;
  auto doc = client::parseJson(json.out).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(client::integer(doc, "rows"), 2);
  EXPECT_EQ(client::text(doc, "file"), path);
}

TEST_F(BulkVerbsTest, ExportToStdoutKeepsTheSummaryOffStdout) {
  public_.answer("GET /api/projects/export", {200, kRows, "application/x-ndjson"});
  auto table = run({"export", "projects"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_EQ(table.out, kRows);
  EXPECT_NE(table.err.find("exported 2 projects"), std::string::npos) << table.err;
  auto json = run({"-o", "json", "export", "projects"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out, kRows);
  EXPECT_NE(json.err.find("\"rows\": 2"), std::string::npos) << json.err;
}

TEST_F(BulkVerbsTest, ExportFailuresKeepTheirExitCodesAndLeaveNoFile) {
  const std::string path = dir_ + "/none.ndjson";
  public_.answer(
      "GET /api/agents/export",
      {503, R"({"error":{"status":503,"code":"dependency_unavailable","message":"x"}})"});
  EXPECT_EQ(run({"export", "agents", "--file", path}).code, 1);
  EXPECT_FALSE(std::ifstream(path).good());
  EXPECT_FALSE(std::ifstream(path + ".partial").good());
  admin_.answer("POST /admin/tokens", {401, R"({"error":{"status":401,"code":"unauthorized"}})"});
  EXPECT_EQ(run({"export", "agents"}).code, 4);
  EXPECT_EQ(run({"export", "agents", "--file", dir_ + "/missing-dir/x"}).code, 3);
  EXPECT_EQ(run({"export", "users"}).code, 3);
}

TEST_F(BulkVerbsTest, ImportExitsZeroWhenEveryLineIsAccepted) {
  public_.answer(kAgentsImport, {200, importReport(3, {})});
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(3))});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("3 lines, 3 accepted, 0 rejected"), std::string::npos) << outcome.out;
  auto imports = seenImports();
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0].body, agentLines(3));
  EXPECT_EQ(imports[0].authorization, "Bearer bulk-token");
  EXPECT_TRUE(revoked());
}

TEST_F(BulkVerbsTest, AgentsGoInAsABulkLoadThatTheCtlEndsWhenTheDaemonStartedOne) {
  std::string loading = importReport(3, {});
  loading.insert(loading.size() - 1, R"(,"bulk_load":"loading")");
  public_.answer(kAgentsImport, {200, loading});
  public_.answer("POST /api/agents/import?bulk_load=end",
                 {200, R"({"dry_run":false,"lines":0,"blank":0,"accepted":0,"rejected":0,)"
                       R"("batches":0,"rejections":[],"rejections_omitted":0,"stopped":null,)"
                       R"("bulk_load":"ended","indexes_built":19})"});
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(3))});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  auto imports = seenImports();
  ASSERT_EQ(imports.size(), 2u);
  EXPECT_EQ(imports[0].uri, "/api/agents/import?bulk_load=true");
  EXPECT_EQ(imports[1].uri, "/api/agents/import?bulk_load=end");
  EXPECT_EQ(imports[1].body, "");

  // An end that fails is the verb's failure, and says what it means.
  public_.answer("POST /api/agents/import?bulk_load=end",
                 {503, R"({"error":{"status":503,"code":"dependency_unavailable",)"
                       R"("message":"store down"}})"});
  auto ended = run({"import", "agents", dir_ + "/a.ndjson"});
  EXPECT_NE(ended.code, 0);
  EXPECT_NE(ended.err.find("ending the bulk load failed"), std::string::npos) << ended.err;

  // A daemon that started no load (its table had agents) is not asked to end one.
  public_.answer(kAgentsImport, {200, importReport(3, {})});
  const std::size_t before = seenImports().size();
  EXPECT_EQ(run({"import", "agents", dir_ + "/a.ndjson"}).code, 0);
  EXPECT_EQ(seenImports().size(), before + 1);
}

TEST_F(BulkVerbsTest, RejectedLinesAreNumberedAsInTheFileAcrossRequests) {
  // More lines than one request holds: the second request's line 2 is the file's line N + 2.
  const int per_request = static_cast<int>(domain::kImportBatchLines);
  // Two requests are in flight at once: each gets the report for its own lines.
  public_.answerBy(kAgentsImport, [&](const testing::SeenRequest& r) -> FakeAnswer {
    if (r.body.rfind(R"({"name":"a1",)", 0) == 0) return {200, importReport(per_request, {2, 7})};
    return {200, importReport(10, {2})};
  });
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(per_request + 10))});
  EXPECT_EQ(outcome.code, 1) << outcome.err;
  auto imports = seenImports();
  ASSERT_EQ(imports.size(), 2u);
  const std::string second = agentLines(per_request + 10).substr(agentLines(per_request).size());
  EXPECT_TRUE(imports[0].body == second || imports[1].body == second)
      << "the file's last 10 lines go in a request of their own";
  EXPECT_NE(outcome.out.find(std::to_string(per_request + 10) + " lines"), std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find("3 rejected"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("   2  level  validation_failed  must be one of L1, L2, L3"),
            std::string::npos)
      << outcome.out;
  EXPECT_NE(outcome.out.find(std::to_string(per_request + 2) + "  level"), std::string::npos)
      << outcome.out;

  auto json = run({"-o", "json", "import", "agents", dir_ + "/a.ndjson"});
  EXPECT_EQ(json.code, 1);
  auto doc = client::parseJson(json.out).extract<Poco::JSON::Object::Ptr>();
  auto list = client::list(doc, "rejections");
  ASSERT_EQ(list->size(), 3u) << json.out;
  EXPECT_EQ(client::integer(client::itemAt(list, 0), "line"), 2);
  EXPECT_EQ(client::integer(client::itemAt(list, 1), "line"), 7);
  EXPECT_EQ(client::integer(client::itemAt(list, 2), "line"), per_request + 2);
  EXPECT_TRUE(client::flag(doc, "complete"));
}

TEST_F(BulkVerbsTest, ARefusedRequestIsSentAgainAfterRetryAfter) {
  public_.answerSequence(
      kAgentsImport,
      {{429, R"({"error":{"status":429,"code":"rate_limited","message":"slow down"}})"},
       {200, importReport(2, {})}});
  const auto before = clock_.now();
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(2))});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_EQ(seenImports().size(), 2u);
  EXPECT_GE(clock_.now() - before, std::chrono::seconds(1)) << "it waited before the retry";
}

TEST_F(BulkVerbsTest, ARequestTooLargeGoesAgainInHalves) {
  public_.answerSequence(
      kAgentsImport,
      {{413, R"({"error":{"status":413,"code":"payload_too_large","message":"big"}})"},
       {200, importReport(5, {})},
       {200, importReport(5, {3})}});
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(10))});
  EXPECT_EQ(outcome.code, 1) << outcome.err;
  auto imports = seenImports();
  ASSERT_EQ(imports.size(), 3u);
  EXPECT_EQ(imports[1].body + imports[2].body, agentLines(10));
  EXPECT_NE(outcome.out.find("   8  level"), std::string::npos)
      << "line 3 of the second half" << outcome.out;
}

TEST_F(BulkVerbsTest, ALineTooLongIsRejectedHereAndSentAsABlankLine) {
  public_.answer(kAgentsImport, {200, importReport(3, {}, 1)});
  const std::string file =
      writeFile("a.ndjson", agentLines(1) + std::string(domain::kMaxImportLineBytes + 1, 'x') +
                                "\n" + agentLines(1));
  auto outcome = run({"import", "agents", file});
  EXPECT_EQ(outcome.code, 1) << outcome.err;
  auto imports = seenImports();
  ASSERT_EQ(imports.size(), 1u);
  EXPECT_EQ(imports[0].body, agentLines(1) + "\n" + agentLines(1));
  EXPECT_NE(outcome.out.find("0 blank"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("1 rejected"), std::string::npos) << outcome.out;
  EXPECT_NE(outcome.out.find("   2  -      bad_request"), std::string::npos) << outcome.out;
}

TEST_F(BulkVerbsTest, ImportExitCodes) {
  EXPECT_EQ(run({"import", "agents", dir_ + "/missing.ndjson"}).code, 3);
  EXPECT_EQ(run({"import", "agents"}).code, 3);
  EXPECT_EQ(run({"import", "robots", writeFile("r.ndjson", "{}\n")}).code, 3);
  public_.answer(kAgentsImport,
                 {403, R"({"error":{"status":403,"code":"forbidden","message":"viewer"}})"});
  EXPECT_EQ(run({"import", "agents", writeFile("a.ndjson", agentLines(1))}).code, 4);
  public_.answer(kAgentsImport,
                 {400, R"({"error":{"status":400,"code":"bad_request","message":"no"}})"});
  auto failed = run({"import", "agents", dir_ + "/a.ndjson"});
  EXPECT_EQ(failed.code, 1);
  EXPECT_NE(failed.err.find("lines 1-1"), std::string::npos) << failed.err;
  env_["CONTROLCENTER_URL"] = "http://127.0.0.1:" + std::to_string(testing::closedPort());
  auto gone = run({"import", "agents", dir_ + "/a.ndjson"});
  EXPECT_EQ(gone.code, 2);
  EXPECT_NE(gone.err.find("unknown"), std::string::npos) << gone.err;
}

TEST_F(BulkVerbsTest, ADryRunAsksTheDaemonForOne) {
  public_.answer("POST /api/agents/import?dry_run=true", {200, importReport(1, {})});
  auto outcome = run({"import", "agents", writeFile("a.ndjson", agentLines(1)), "--dry-run"});
  EXPECT_EQ(outcome.code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("dry run: nothing was written"), std::string::npos) << outcome.out;
}

TEST(ChunkedBodyTest, CopiesAWholeBodyAndRefusesOneCutShort) {
  auto copy = [](const std::string& wire, std::string& got) {
    std::istringstream in(wire);
    return client::copyChunkedBody(in, [&](const char* data, std::size_t size) {
      got.append(data, size);
      return true;
    });
  };
  std::string got;
  EXPECT_TRUE(copy("3\r\nab\n\r\n1;ext=1\r\nc\r\n0\r\nTrailer: x\r\n\r\n", got).ok());
  EXPECT_EQ(got, "ab\nc");
  for (const char* cut : {"", "3\r\nab\n\r\n", "3\r\nab", "3\r\nab\n\r\n0\r\n", "5\r\nab\n\r\n"}) {
    got.clear();
    auto st = copy(cut, got);
    ASSERT_FALSE(st.ok()) << cut;
    EXPECT_NE(st.error().message.find("cut it short"), std::string::npos) << cut;
  }
  got.clear();
  EXPECT_FALSE(copy("zz\r\nab\r\n0\r\n\r\n", got).ok());
  EXPECT_FALSE(copy("2\r\nabXY0\r\n\r\n", got).ok()) << "no line end after the chunk";
}

TEST(LineReaderTest, ReadsLinesOfAnyLengthInBoundedMemory) {
  const std::string big(300000, 'y');  // more than one of the reader's blocks
  std::istringstream in("one\r\n\n" + big + "\n" + std::string(5, 'z') + "\nlast");
  client::LineReader reader(in, 1000);
  client::FileLine line;
  std::vector<std::tuple<int64_t, std::string, std::size_t, bool>> lines;
  while (reader.next(line)) lines.emplace_back(line.number, line.text, line.bytes, line.too_long);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], std::make_tuple(int64_t{1}, std::string("one"), std::size_t{3}, false));
  EXPECT_EQ(lines[1], std::make_tuple(int64_t{2}, std::string(), std::size_t{0}, false));
  EXPECT_EQ(lines[2], std::make_tuple(int64_t{3}, std::string(), big.size(), true));
  EXPECT_EQ(lines[3], std::make_tuple(int64_t{4}, std::string("zzzzz"), std::size_t{5}, false));
  EXPECT_EQ(lines[4], std::make_tuple(int64_t{5}, std::string("last"), std::size_t{4}, false));
  EXPECT_EQ(reader.bytesRead(), 5 + 1 + big.size() + 1 + 6 + 4);

  std::istringstream exact(std::string(1000, 'a') + "\r\n" + std::string(1001, 'b') + "\n");
  client::LineReader at_cap(exact, 1000);
  ASSERT_TRUE(at_cap.next(line));
  EXPECT_FALSE(line.too_long) << "a CR before the line end does not count";
  ASSERT_TRUE(at_cap.next(line));
  EXPECT_TRUE(line.too_long);
  EXPECT_FALSE(at_cap.next(line));
}

}  // namespace
}  // namespace cc::ctl
