// The bulk routes over HTTP on a real store: export streams every row across pages, import
// reports each rejected line by its number, dry runs write nothing, and a store failure part
// way is reported as where the import stopped.

#include "http/handlers/bulk_transfer.h"

#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "domain/agent.h"
#include "http/body_source.h"
#include "unit/http/domain_api_fixture.h"

namespace cc::http::testing {
namespace {

const Headers kNdjson = {{"Content-Type", "application/x-ndjson"}};

std::vector<Poco::JSON::Object::Ptr> ndjsonObjects(const std::string& body) {
  std::vector<Poco::JSON::Object::Ptr> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    Poco::JSON::Parser parser;
    out.push_back(parser.parse(line).extract<Poco::JSON::Object::Ptr>());
  }
  return out;
}

std::string agentLine(const std::string& name, const std::string& extra = {}) {
  return R"({"name":")" + name + R"(","level":"L1","role":"worker")" + extra + "}";
}

class BulkTransferTest : public ServedApiFixture {
 protected:
  // `n` agents named agent-<i>, straight into the store.
  void seedAgents(int n) {
    std::vector<domain::Agent> rows;
    for (int i = 0; i < n; ++i) {
      domain::Agent a;
      a.name = "agent-" + std::to_string(i);
      a.role = "seeded";
      a.created_at_ms = a.updated_at_ms = 1600000000000 + i;
      rows.push_back(a);
      if (rows.size() == 1000 || i + 1 == n) {
        ASSERT_TRUE(store_->agents().importBatch(rows, false).ok());
        rows.clear();
      }
    }
  }

  Response import(const std::string& body, const std::string& query = {}) {
    return call("POST", "/api/agents/import" + query, body, kNdjson);
  }

  // "line:field" of each listed rejection.
  static std::vector<std::string> rejected(const Response& r) {
    std::vector<std::string> out;
    auto list = r.json()->getArray("rejections");
    for (std::size_t i = 0; list && i < list->size(); ++i) {
      auto item = list->getObject(static_cast<unsigned>(i));
      out.push_back(std::to_string(item->getValue<int64_t>("line")) + ":" +
                    (item->isNull("field") ? "" : item->getValue<std::string>("field")));
    }
    return out;
  }
};

TEST_F(BulkTransferTest, ExportStreamsEveryRowInIdOrderAcrossPages) {
  seedAgents(1234);  // three pages of kExportPageRows
  Response r = call("GET", "/api/agents/export", {}, {{"X-Test-Role", "viewer"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/x-ndjson");
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.header("X-Total-Count"), "1234");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto rows = ndjsonObjects(r.body);
  ASSERT_EQ(rows.size(), 1234u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]->getValue<int64_t>("id"), static_cast<int64_t>(i + 1));
  }
  // Each line is the item JSON of the API.
  Response one = call("GET", "/api/agents/700");
  ASSERT_EQ(one.status, 200);
  std::istringstream lines(r.body);
  std::string line;
  for (int i = 0; i < 700; ++i) std::getline(lines, line);
  EXPECT_EQ(line, one.body);
}

TEST_F(BulkTransferTest, AnEmptyCollectionExportsNothing) {
  Response r = call("GET", "/api/projects/export");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("X-Total-Count"), "0");
}

TEST_F(BulkTransferTest, ExportFailsWithTheEnvelopeWhenTheStoreFailsFirst) {
  seedAgents(3);
  store_->faults().set({0, 1.0});
  Response r = call("GET", "/api/agents/export");
  store_->faults().set({0, 0.0});
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(r.errorCode(), "dependency_unavailable");
}

TEST_F(BulkTransferTest, ImportReportsEachRejectedLineByItsNumber) {
  const int64_t project = createProject("home");
  std::string body = agentLine("ok-1") + "\n" +                           // 1
                     "\n" +                                               // 2 blank
                     "{not json\n" +                                      // 3
                     agentLine("bad-level", R"(,"level":"L7")") + "\n" +  // 4
                     R"({"id":40,"name":"kept","level":"L2","role":"r","project_id":)" +
                     std::to_string(project) + "}\r\n" +  // 5
                     R"({"id":40,"name":"again","level":"L2","role":"r"})"
                     "\n" +  // 6
                     agentLine("orphan", R"(,"project_id":777)") +
                     "\n" +                                                     // 7
                     agentLine("bad-time", R"(,"created_at":"noon")") + "\n" +  // 8
                     "[1]\n" +                                                  // 9
                     agentLine("ok-2");                                         // 10, no \n
  Response r = import(body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto report = r.json();
  EXPECT_FALSE(report->getValue<bool>("dry_run"));
  EXPECT_EQ(report->getValue<int64_t>("lines"), 10);
  EXPECT_EQ(report->getValue<int64_t>("blank"), 1);
  EXPECT_EQ(report->getValue<int64_t>("accepted"), 3);
  EXPECT_EQ(report->getValue<int64_t>("rejected"), 6);
  EXPECT_EQ(report->getValue<int64_t>("batches"), 1);
  EXPECT_TRUE(report->isNull("stopped"));
  EXPECT_EQ(rejected(r), (std::vector<std::string>{"3:", "4:level", "6:id", "7:project_id",
                                                   "8:created_at", "9:"}));
  EXPECT_EQ(store_->agents().get(40)->project_id, project);
  EXPECT_EQ(store_->agents().stats()->total, 3);
  // One event for the import, and the cached agent answers are stale.
  ASSERT_FALSE(published().empty());
  EXPECT_EQ(eventType(published().back().second), "agents.imported");
  EXPECT_EQ(invalidated().back(), "/api/agents");
}

TEST_F(BulkTransferTest, ADryRunChecksEverythingAndWritesNothing) {
  createAgent("existing");  // id 1
  const std::string body = R"({"id":1,"name":"clash","level":"L1","role":"r"})"
                           "\n" +
                           agentLine("new") + "\n" + agentLine("orphan", R"(,"project_id":5)");
  Response dry = import(body, "?dry_run=true");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_TRUE(dry.json()->getValue<bool>("dry_run"));
  EXPECT_EQ(dry.json()->getValue<int64_t>("accepted"), 1);
  EXPECT_EQ(rejected(dry), (std::vector<std::string>{"1:id", "3:project_id"}));
  EXPECT_EQ(store_->agents().stats()->total, 1);
  const auto events = published().size();

  Response real = import(body);
  ASSERT_EQ(real.status, 200);
  EXPECT_EQ(rejected(real), rejected(dry));
  EXPECT_EQ(store_->agents().stats()->total, 2);
  EXPECT_GT(published().size(), events);
  EXPECT_EQ(import(body, "?dry_run=yes").errorField(), "dry_run");
}

TEST_F(BulkTransferTest, BadBodiesNeverFailTheRequest) {
  EXPECT_EQ(call("POST", "/api/agents/import", agentLine("x")).status, 415) << "JSON, not NDJSON";
  Response empty = import("");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.json()->getValue<int64_t>("lines"), 0);
  const std::string garbage = std::string("\xff\xfe\0\0{", 5) + "\n" + std::string(70000, 'x') +
                              "\n" + std::string(100, '{') + "\n" + "null\n\"text\"\n";
  Response r = import(garbage);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()->getValue<int64_t>("rejected"), 5);
  EXPECT_EQ(r.json()->getValue<int64_t>("accepted"), 0);
  EXPECT_EQ(store_->agents().stats()->total, 0);
}

TEST_F(BulkTransferTest, AViewerMayExportButNotImport) {
  const Headers viewer = {{"X-Test-Role", "viewer"}, {"Content-Type", "application/x-ndjson"}};
  EXPECT_EQ(call("POST", "/api/agents/import", agentLine("x"), viewer).status, 403);
  EXPECT_EQ(call("POST", "/api/projects/import", R"({"name":"p"})", viewer).status, 403);
  EXPECT_EQ(call("GET", "/api/projects/export", {}, {{"X-Test-Role", "viewer"}}).status, 200);
  EXPECT_EQ(call("GET", "/api/agents/export", {}, {{"X-Test-Role", ""}}).status, 401);
}

TEST_F(BulkTransferTest, RejectionsAreListedUpToTheCapAndCountedPastIt) {
  std::string body;
  const std::size_t bad = domain::kMaxListedRejections + 25;
  for (std::size_t i = 0; i < bad; ++i) body += "{}\n";
  body += agentLine("the-one");
  Response r = import(body);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()->getValue<int64_t>("rejected"), static_cast<int64_t>(bad));
  EXPECT_EQ(r.json()->getArray("rejections")->size(), domain::kMaxListedRejections);
  EXPECT_EQ(r.json()->getValue<int64_t>("rejections_omitted"), 25);
  EXPECT_EQ(r.json()->getValue<int64_t>("accepted"), 1);
}

TEST_F(BulkTransferTest, ABodyOfManyBatchesIsWrittenBatchByBatch) {
  std::string body;
  const int n = static_cast<int>(domain::kImportBatchLines) * 2 + 17;
  for (int i = 0; i < n; ++i) body += agentLine("many-" + std::to_string(i)) + "\n";
  Response r = import(body);
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.json()->getValue<int64_t>("batches"), 3);
  EXPECT_EQ(r.json()->getValue<int64_t>("accepted"), n);
  EXPECT_EQ(store_->agents().stats()->total, n);
}

// The store failing on the second batch: the first stays written, the report says where the
// import stopped and lists nothing from there on.
TEST_F(BulkTransferTest, AStoreFailurePartWayIsReportedAsWhereTheImportStopped) {
  int writes = 0;
  handlers::BulkCollection<domain::Agent> agents;
  agents.name = "agents";
  agents.path = "/api/agents";
  agents.parse = domain::parseAgentRecord;
  agents.write = [&](const std::vector<domain::Agent>& rows, bool dry_run,
                     common::SteadyTime d) -> common::Result<domain::ImportOutcome> {
    if (++writes == 2) {
      return common::Error::unavailable(common::ErrorCode::kDependencyUnavailable, "disk gone");
    }
    return store_->agents().importBatch(rows, dry_run, d);
  };
  std::string body;
  const auto batch = static_cast<int64_t>(domain::kImportBatchLines);
  for (int64_t i = 1; i <= batch * 3; ++i) {
    body += (i == batch + 5 ? std::string("{}") : agentLine("a-" + std::to_string(i))) + "\n";
  }
  RequestContext ctx;
  ctx.request_id = "r1";
  ctx.body = body;
  ctx.header_copies["content-type"] = "application/x-ndjson";
  ctx.budget = std::chrono::seconds(10);
  Reply reply = handlers::importCollection(agents, *services_, ctx);
  ASSERT_EQ(reply.status, 200) << reply.body;
  Poco::JSON::Parser parser;
  auto report = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(report->getValue<int64_t>("accepted"), batch);
  EXPECT_EQ(report->getValue<int64_t>("rejected"), 0) << "line " << batch + 5 << " was not reached";
  EXPECT_EQ(report->getValue<int64_t>("lines"), batch);
  auto stopped = report->getObject("stopped");
  ASSERT_FALSE(stopped.isNull()) << reply.body;
  EXPECT_EQ(stopped->getValue<int64_t>("line"), batch + 1);
  EXPECT_EQ(stopped->getValue<std::string>("code"), "dependency_unavailable");
  EXPECT_EQ(store_->agents().stats()->total, batch);

  // Failing on the first batch, nothing was written: the answer is the failure itself.
  writes = 1;
  Reply first = handlers::importCollection(agents, *services_, ctx);
  EXPECT_EQ(first.status, 503) << first.body;
  EXPECT_EQ(first.error_code, common::ErrorCode::kDependencyUnavailable);
}

// A body that breaks after `cut` bytes, as a connection closed mid-body does.
class CutBody final : public BodySource {
 public:
  CutBody(std::string body, std::size_t cut, State ending)
      : body_(std::move(body)), cut_(cut), ending_(ending) {}
  std::size_t read(char* buf, std::size_t n) override {
    if (state_ != State::kReading) return 0;
    const std::size_t take = std::min({n, cut_ - at_, std::size_t{4096}});
    if (take == 0) {
      state_ = ending_;
      return 0;
    }
    std::copy_n(body_.data() + at_, take, buf);
    at_ += take;
    return take;
  }
  State state() const override { return state_; }
  int64_t bytesRead() const override { return static_cast<int64_t>(at_); }
  int64_t limit() const override { return 1 << 30; }

 private:
  std::string body_;
  std::size_t cut_;
  State ending_;
  std::size_t at_ = 0;
  State state_ = State::kReading;
};

// A body cut mid-line: the batches before it stay, the lines of the unfinished batch (and the
// cut line) are not written, and the report says where the import stopped.
TEST_F(BulkTransferTest, ABodyCutShortKeepsTheWrittenBatchesAndNothingAfter) {
  handlers::BulkCollection<domain::Agent> agents;
  agents.name = "agents";
  agents.path = "/api/agents";
  agents.parse = domain::parseAgentRecord;
  agents.write = [&](const std::vector<domain::Agent>& rows, bool dry_run, common::SteadyTime d) {
    return store_->agents().importBatch(rows, dry_run, d);
  };
  const auto batch = static_cast<int64_t>(domain::kImportBatchLines);
  std::string body;
  std::size_t cut = 0;
  for (int64_t i = 1; i <= batch + 10; ++i) {
    body += agentLine("cut-" + std::to_string(i)) + "\n";
    if (i == batch + 5) cut = body.size() - 7;  // inside line batch + 5
  }
  RequestContext ctx;
  ctx.request_id = "r2";
  ctx.header_copies["content-type"] = "application/x-ndjson";
  ctx.budget = std::chrono::seconds(10);
  CutBody broken(body, cut, BodySource::State::kBroken);
  ctx.body_source = &broken;
  Reply reply = handlers::importCollection(agents, *services_, ctx);
  ASSERT_EQ(reply.status, 200) << reply.body;
  Poco::JSON::Parser parser;
  auto report = parser.parse(reply.body).extract<Poco::JSON::Object::Ptr>();
  EXPECT_EQ(report->getValue<int64_t>("accepted"), batch);
  auto stopped = report->getObject("stopped");
  ASSERT_FALSE(stopped.isNull()) << reply.body;
  EXPECT_EQ(stopped->getValue<int64_t>("line"), batch + 1);
  EXPECT_EQ(stopped->getValue<std::string>("code"), "bad_request");
  EXPECT_EQ(store_->agents().stats()->total, batch);
  EXPECT_EQ(store_->agents().get(batch + 1).error().code, common::ErrorCode::kNotFound);

  // Cut inside the first batch, or past the import limit: nothing written, the envelope.
  CutBody early(body, 100, BodySource::State::kBroken);
  ctx.body_source = &early;
  EXPECT_EQ(handlers::importCollection(agents, *services_, ctx).status, 400);
  CutBody large(body, 100, BodySource::State::kTooLarge);
  ctx.body_source = &large;
  Reply too_large = handlers::importCollection(agents, *services_, ctx);
  EXPECT_EQ(too_large.status, 413);
  EXPECT_EQ(too_large.error_code, common::ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(store_->agents().stats()->total, batch);
}

TEST_F(BulkTransferTest, ExportTakesTheListFiltersButNotItsWindow) {
  seedAgents(5);
  ASSERT_TRUE(store_->agents()
                  .patch(2,
                         [] {
                           domain::AgentInput in;
                           in.status = domain::AgentStatus::kBusy;
                           return in;
                         }())
                  .ok());
  Response busy = call("GET", "/api/agents/export?status=busy");
  ASSERT_EQ(busy.status, 200) << busy.body;
  auto rows = ndjsonObjects(busy.body);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]->getValue<int64_t>("id"), 2);
  EXPECT_EQ(busy.header("X-Total-Count"), "1");
  EXPECT_EQ(call("GET", "/api/agents/export?status=asleep").errorField(), "status");
  EXPECT_EQ(call("GET", "/api/agents/export?limit=5").errorField(), "limit");
  EXPECT_EQ(call("GET", "/api/agents/export?sort=name").errorField(), "sort");
}

}  // namespace
}  // namespace cc::http::testing
