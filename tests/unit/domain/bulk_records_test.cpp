// The NDJSON codec of bulk transfer: lines, the per-line gate, and records that carry what an
// export writes back into the same agent or project.

#include "domain/bulk_records.h"

#include <gtest/gtest.h>

#include <sstream>

#include "common/clock.h"

namespace cc::domain {
namespace {

constexpr int64_t kNow = 1700000000000;

std::vector<std::pair<int64_t, std::string>> allLines(std::string_view text, int64_t* blank) {
  NdjsonLines lines(text);
  std::vector<std::pair<int64_t, std::string>> out;
  NdjsonLine line;
  while (lines.next(line)) out.emplace_back(line.number, std::string(line.text));
  if (blank != nullptr) *blank = lines.blank();
  return out;
}

Poco::JSON::Object::Ptr object(const std::string& text) {
  Poco::JSON::Parser parser;
  auto parsed = parseNdjsonObject(text, parser);
  EXPECT_TRUE(parsed.ok()) << text << ": " << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

common::Error agentError(const std::string& text) {
  auto parsed = parseAgentRecord(*object(text), kNow);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? common::Error{} : parsed.error();
}

TEST(NdjsonLinesTest, NumbersEveryLineAndSkipsBlankOnes) {
  int64_t blank = 0;
  auto lines = allLines("{\"a\":1}\n\n  \t\r\n{\"b\":2}\r\n{\"c\":3}", &blank);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], (std::pair<int64_t, std::string>{1, "{\"a\":1}"}));
  EXPECT_EQ(lines[1], (std::pair<int64_t, std::string>{4, "{\"b\":2}"})) << "CRLF ends a line";
  EXPECT_EQ(lines[2], (std::pair<int64_t, std::string>{5, "{\"c\":3}"})) << "no final newline";
  EXPECT_EQ(blank, 2);
}

TEST(NdjsonLinesTest, EmptyAndBlankTextsHaveNoRecords) {
  int64_t blank = -1;
  EXPECT_TRUE(allLines("", &blank).empty());
  EXPECT_EQ(blank, 0);
  EXPECT_TRUE(allLines("\n\n \n", &blank).empty());
  EXPECT_EQ(blank, 3);
}

TEST(NdjsonLinesTest, ReadsASourceInPiecesOfAnySize) {
  const std::string text = "{\"a\":1}\r\n\n{\"b\":22}\n{\"c\":333}";
  std::size_t at = 0;
  // One byte a read: every line ends in another read than it starts.
  NdjsonLines lines([&](char* buf, std::size_t n) -> std::size_t {
    if (at == text.size() || n == 0) return 0;
    buf[0] = text[at++];
    return 1;
  });
  std::vector<std::pair<int64_t, std::string>> out;
  NdjsonLine line;
  while (lines.next(line)) out.emplace_back(line.number, std::string(line.text));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].second, "{\"a\":1}");
  EXPECT_EQ(out[1], (std::pair<int64_t, std::string>{3, "{\"b\":22}"}));
  EXPECT_EQ(out[2], (std::pair<int64_t, std::string>{4, "{\"c\":333}"}));
  EXPECT_EQ(lines.blank(), 1);
}

TEST(NdjsonLinesTest, ALineTooLongIsSkippedUnheldAndTheNextOneStillReads) {
  const std::string huge(3 * kMaxImportLineBytes + 17, 'x');
  for (const std::string& tail : {std::string("\n{\"after\":1}\n"), std::string()}) {
    const std::string text = "{\"before\":1}\n" + huge + tail;
    NdjsonLines lines{std::string_view(text)};
    NdjsonLine line;
    ASSERT_TRUE(lines.next(line));
    EXPECT_FALSE(line.too_long);
    ASSERT_TRUE(lines.next(line));
    EXPECT_EQ(line.number, 2);
    EXPECT_TRUE(line.too_long);
    EXPECT_TRUE(line.text.empty());
    EXPECT_EQ(line.bytes, huge.size());
    if (!tail.empty()) {
      ASSERT_TRUE(lines.next(line));
      EXPECT_EQ(line.number, 3);
      EXPECT_EQ(line.text, "{\"after\":1}");
    }
    EXPECT_FALSE(lines.next(line));
  }
}

TEST(NdjsonObjectTest, RefusesWhatIsNotOneSafeObjectNamingWhy) {
  Poco::JSON::Parser parser;
  auto message = [&](const std::string& text) {
    auto parsed = parseNdjsonObject(text, parser);
    EXPECT_FALSE(parsed.ok()) << text;
    if (parsed.ok()) return std::string();
    EXPECT_EQ(parsed.error().code, common::ErrorCode::kBadRequest);
    return parsed.error().message;
  };
  EXPECT_EQ(message("[1,2]"), "a line must be one JSON object");
  EXPECT_EQ(message("42"), "a line must be one JSON object");
  EXPECT_NE(message("{\"a\":").find("malformed JSON"), std::string::npos);
  EXPECT_EQ(message("not json"), "a line must be one JSON object");
  EXPECT_NE(message("{not json").find("malformed JSON"), std::string::npos);
  EXPECT_EQ(message(std::string("{\"a\":\"\0\"}", 9)), "line contains a NUL byte");
  EXPECT_EQ(message("{\"a\":\"\xC0\xAF\"}"), "line is not valid UTF-8");
  EXPECT_EQ(message(std::string(40, '[') + std::string(40, ']')), "JSON nesting deeper than 32");
  const std::string huge = "{\"name\":\"" + std::string(kMaxImportLineBytes, 'x') + "\"}";
  EXPECT_EQ(message(huge), lineTooLong(huge.size()).message);
  EXPECT_NE(message(huge).find(std::to_string(kMaxImportLineBytes)), std::string::npos);
  // The same parser keeps working after every failure.
  EXPECT_TRUE(parseNdjsonObject("{\"ok\":true}", parser).ok());
}

// With the collection's fields, a line's members are checked while it is scanned: an oversized
// or unknown field is named before the line is parsed, even when what follows is not JSON.
TEST(NdjsonObjectTest, TheRecordFieldsAreCheckedWhileTheLineIsScanned) {
  Poco::JSON::Parser parser;
  const std::string metadata = "{\"k\":\"" + std::string(kMaxMetadataBytes, 'm') + "\"}";
  auto big = parseNdjsonObject(R"({"name":"a","metadata":)" + metadata + R"(, oops)", parser,
                               &agentRecordFields());
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, common::ErrorCode::kValidation) << big.error().message;
  EXPECT_EQ(big.error().field, "metadata") << big.error().message;

  auto unknown =
      parseNdjsonObject(R"({"name":"p","colour":"red"})", parser, &projectRecordFields());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "colour") << unknown.error().message;

  // What an export writes passes: its extra fields are in the list.
  EXPECT_TRUE(
      parseNdjsonObject(
          R"({"id":7,"name":"a","level":"L1","role":"r","last_heartbeat":null,)"
          R"("created_at":"2024-05-01T12:00:00.000Z","updated_at":"2024-05-01T12:00:00.000Z"})",
          parser, &agentRecordFields())
          .ok());
  EXPECT_TRUE(parseNdjsonObject(R"({"id":3,"name":"p","created_at":"2024-05-01T12:00:00.000Z"})",
                                parser, &projectRecordFields())
                  .ok());
}

TEST(AgentRecordTest, AnExportedAgentReadsBackAsTheSameAgent) {
  Agent a;
  a.id = 4711;
  a.name = "build-7 \xC3\xA9";
  a.level = AgentLevel::kL3;
  a.role = "builder";
  a.status = AgentStatus::kBusy;
  a.project_id = 12;
  a.metadata = R"({"rack":"r1","slots":[1,2]})";
  a.last_heartbeat_ms = 1690000000123;
  a.created_at_ms = 1600000000001;
  a.updated_at_ms = 1650000000999;
  std::string line;
  appendNdjson(line, a);
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line";
  EXPECT_EQ(line, toJson(a) + "\n") << "the JSON of the list API";

  auto back = parseAgentRecord(*object(line.substr(0, line.size() - 1)), kNow);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->id, a.id);
  EXPECT_EQ(back->name, a.name);
  EXPECT_EQ(back->level, a.level);
  EXPECT_EQ(back->role, a.role);
  EXPECT_EQ(back->status, a.status);
  EXPECT_EQ(back->project_id, a.project_id);
  EXPECT_NE(back->metadata.find(R"("rack":"r1")"), std::string::npos) << back->metadata;
  EXPECT_EQ(back->last_heartbeat_ms, a.last_heartbeat_ms);
  EXPECT_EQ(back->created_at_ms, a.created_at_ms);
  EXPECT_EQ(back->updated_at_ms, a.updated_at_ms);
  std::string again;
  appendNdjson(again, *back);
  EXPECT_EQ(again, line);
}

TEST(AgentRecordTest, ACreateBodyIsARecordWithDefaults) {
  auto a = parseAgentRecord(*object(R"({"name":"n","level":"L1","role":"r"})"), kNow);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->id, 0) << "the store assigns one";
  EXPECT_EQ(a->status, AgentStatus::kIdle);
  EXPECT_FALSE(a->project_id.has_value());
  EXPECT_EQ(a->metadata, "{}");
  EXPECT_FALSE(a->last_heartbeat_ms.has_value());
  EXPECT_EQ(a->created_at_ms, kNow);
  EXPECT_EQ(a->updated_at_ms, kNow);
  auto nulls =
      parseAgentRecord(*object(R"({"id":null,"name":"n","level":"L1","role":"r","project_id":null,)"
                               R"("last_heartbeat":null,"created_at":null})"),
                       kNow);
  ASSERT_TRUE(nulls.ok()) << nulls.error().message;
  EXPECT_EQ(nulls->id, 0);
  EXPECT_EQ(nulls->created_at_ms, kNow);
}

TEST(AgentRecordTest, EachBadFieldIsNamed) {
  const std::string base = R"("name":"n","level":"L1","role":"r")";
  auto field = [&](const std::string& extra) {
    return agentError("{" + base + "," + extra + "}").field;
  };
  EXPECT_EQ(field(R"("id":0)"), "id");
  EXPECT_EQ(field(R"("id":-3)"), "id");
  EXPECT_EQ(field(R"("id":9007199254740992)"), "id") << "past 2^53 - 1";
  EXPECT_EQ(field(R"("id":"7")"), "id");
  EXPECT_EQ(field(R"("id":1.5)"), "id");
  EXPECT_EQ(field(R"("created_at":"yesterday")"), "created_at");
  EXPECT_EQ(field(R"("updated_at":"2024-02-30T00:00:00Z")"), "updated_at");
  EXPECT_EQ(field(R"("last_heartbeat":12345)"), "last_heartbeat");
  EXPECT_EQ(field(R"("created_at":"1969-12-31T23:59:59.999Z")"), "created_at");
  EXPECT_EQ(field(R"("level":"L9")"), "level");
  EXPECT_EQ(field(R"("status":"asleep")"), "status");
  EXPECT_EQ(field(R"("project_id":0)"), "project_id");
  EXPECT_EQ(field(R"("metadata":[1])"), "metadata");
  EXPECT_EQ(field(R"("colour":"red")"), "colour");
  EXPECT_EQ(agentError(R"({"name":"n","role":"r"})").field, "level");
  EXPECT_EQ(agentError(R"({"name":"","level":"L1","role":"r"})").field, "name");
  auto bad_time = agentError("{" + base + R"(,"created_at":"soon"})");
  EXPECT_EQ(bad_time.code, common::ErrorCode::kValidation);
  EXPECT_NE(bad_time.message.find("ISO-8601"), std::string::npos) << bad_time.message;
  EXPECT_NE(bad_time.message.find("'soon'"), std::string::npos) << bad_time.message;
}

TEST(AgentRecordTest, TheLargestIdAJsonReaderHoldsIsKept) {
  auto a = parseAgentRecord(
      *object(R"({"id":9007199254740991,"name":"n","level":"L1","role":"r"})"), kNow);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->id, kMaxImportId);
}

TEST(ProjectRecordTest, AnExportedProjectReadsBackAsTheSameProject) {
  Project p;
  p.id = 9;
  p.name = "fleet";
  p.description = "the fleet";
  p.status = ProjectStatus::kArchived;
  p.path = "/srv/fleet";
  p.created_at_ms = 1600000000000;
  p.updated_at_ms = 1600000005000;
  std::string line;
  appendNdjson(line, p);
  auto back = parseProjectRecord(*object(line), kNow);
  ASSERT_TRUE(back.ok()) << back.error().message;
  std::string again;
  appendNdjson(again, *back);
  EXPECT_EQ(again, line);

  auto defaults = parseProjectRecord(*object(R"({"name":"only"})"), kNow);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->id, 0);
  EXPECT_EQ(defaults->status, ProjectStatus::kActive);
  EXPECT_EQ(defaults->created_at_ms, kNow);
  auto missing = parseProjectRecord(*object(R"({"id":3})"), kNow);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "name");
  auto unknown = parseProjectRecord(*object(R"({"name":"x","last_heartbeat":null})"), kNow);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "last_heartbeat") << "agents only";
}

}  // namespace
}  // namespace cc::domain
