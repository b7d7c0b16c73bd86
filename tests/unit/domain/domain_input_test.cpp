#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "domain/agent.h"
#include "domain/project.h"
#include "domain/user.h"

namespace cc::domain {
namespace {

using common::ErrorCode;

Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

struct BadInput {
  const char* body;
  const char* field;
};

class DomainInputTest : public ::testing::Test {};

TEST_F(DomainInputTest, ValidAgentBodyParses) {
  auto in = parseAgentInput(
      *parse(R"({"name":"a","level":"L3","role":"r","status":"busy","project_id":4,)"
             R"("metadata":{"x":1}})"),
      false);
  ASSERT_TRUE(in.ok()) << in.error().message;
  EXPECT_EQ(in->level, AgentLevel::kL3);
  EXPECT_EQ(in->status, AgentStatus::kBusy);
  EXPECT_EQ(**in->project_id, 4);
  EXPECT_EQ(*in->metadata, R"({"x":1})");
}

TEST_F(DomainInputTest, EveryBadAgentFieldIsNamed) {
  const std::string big(16 * 1024, 'x');
  const std::vector<BadInput> cases = {
      {R"({"level":"L1","role":"r"})", "name"},
      {R"({"name":"","level":"L1","role":"r"})", "name"},
      {R"({"name":7,"level":"L1","role":"r"})", "name"},
      {R"({"name":"a","level":"L4","role":"r"})", "level"},
      {R"({"name":"a","level":"L1"})", "role"},
      {R"({"name":"a","level":"L1","role":"r","status":"sleeping"})", "status"},
      {R"({"name":"a","level":"L1","role":"r","project_id":"4"})", "project_id"},
      {R"({"name":"a","level":"L1","role":"r","project_id":true})", "project_id"},
      {R"({"name":"a","level":"L1","role":"r","project_id":0})", "project_id"},
      {R"({"name":"a","level":"L1","role":"r","metadata":[1]})", "metadata"},
      {R"({"name":"a","level":"L1","role":"r","colour":"red"})", "colour"},
  };
  for (const auto& c : cases) {
    auto in = parseAgentInput(*parse(c.body), false);
    ASSERT_FALSE(in.ok()) << c.body;
    EXPECT_EQ(in.error().code, ErrorCode::kValidation) << c.body;
    EXPECT_EQ(in.error().field, c.field) << c.body;
  }
  auto too_long = parseAgentInput(*parse(R"({"name":")" + std::string(129, 'n') + R"("})"), true);
  EXPECT_EQ(too_long.error().field, "name");
  auto too_big = parseAgentInput(*parse(R"({"metadata":{"k":")" + big + R"("}})"), true);
  EXPECT_EQ(too_big.error().field, "metadata");
}

TEST_F(DomainInputTest, AgentBodyFieldsRefuseAnOversizedOrUnknownFieldBeforeAnyParse) {
  const BodyFields& fields = agentBodyFields();
  EXPECT_TRUE(fields.check("metadata", kMaxMetadataBytes).ok());
  auto big = fields.check("metadata", kMaxMetadataBytes + 1);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kValidation);
  EXPECT_EQ(big.error().field, "metadata");
  EXPECT_EQ(big.error().message, "must be at most 16384 bytes of JSON, got 16385");
  auto unknown = fields.check("metdata", 2);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "metdata");
  EXPECT_NE(unknown.error().message.find("metadata"), std::string::npos) << "did-you-mean hint";
  // The longest valid name, each code point escaped as a surrogate pair, still passes.
  EXPECT_TRUE(fields.check("name", sentTextBytes(kMaxAgentName)).ok());
  EXPECT_FALSE(fields.check("name", sentTextBytes(kMaxAgentName) + 1).ok());
  // The scan and the parse agree on which fields exist.
  EXPECT_EQ(fields.names(), (std::vector<std::string>{"name", "level", "role", "status",
                                                      "project_id", "metadata"}));
  EXPECT_EQ(projectBodyFields().names(),
            (std::vector<std::string>{"name", "description", "status", "path"}));
}

TEST_F(DomainInputTest, PartialAgentBodyNeedsNoRequiredFieldsAndCanNullTheProject) {
  auto in = parseAgentInput(*parse(R"({"project_id":null})"), true);
  ASSERT_TRUE(in.ok());
  ASSERT_TRUE(in->project_id.has_value());
  EXPECT_FALSE(in->project_id->has_value());
  EXPECT_FALSE(in->name);
}

TEST_F(DomainInputTest, NameLengthCountsCharactersNotBytes) {
  std::string name;
  for (int i = 0; i < 128; ++i) name += "\xC3\xA9";  // é
  AgentInput in;
  in.name = name;
  EXPECT_TRUE(validateAgentInput(in, true).ok());
  in.name = name + "e";
  EXPECT_EQ(validateAgentInput(in, true).error().field, "name");
}

TEST_F(DomainInputTest, AgentQueryParameters) {
  auto f = parseAgentFilter({{"status", "idle"},
                             {"level", "L2"},
                             {"limit", "10"},
                             {"offset", "20"},
                             {"sort", "-name"},
                             {"project_id", "3"}});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->status, AgentStatus::kIdle);
  EXPECT_EQ(f->window.limit, 10);
  EXPECT_EQ(f->window.offset, 20);
  EXPECT_EQ(f->project_id, 3);
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{{"status", "gone"},
                                                                            {"level", "9"},
                                                                            {"limit", "ten"},
                                                                            {"limit", "0"},
                                                                            {"limit", "501"},
                                                                            {"offset", "-1"},
                                                                            {"sort", "metadata"},
                                                                            {"project_id", "x"}}) {
    auto bad = parseAgentFilter({{key, value}});
    ASSERT_FALSE(bad.ok()) << key << "=" << value;
    EXPECT_EQ(bad.error().field, key) << key << "=" << value;
  }
}

TEST_F(DomainInputTest, UnknownQueryParametersAreRefusedWithAHint) {
  auto typo = parseAgentFilter({{"stauts", "busy"}});
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().code, ErrorCode::kValidation);
  EXPECT_EQ(typo.error().field, "stauts");
  EXPECT_EQ(typo.error().message, "unknown query parameter (did you mean 'status'?)");
  auto far = parseProjectFilter({{"colour", "red"}});
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error().field, "colour");
  EXPECT_EQ(far.error().message, "unknown query parameter");
  EXPECT_EQ(parseProjectFilter({{"stats", "active"}}).error().field, "stats");
  // The active listing has a fixed order and no search.
  EXPECT_EQ(parseActiveAgentsFilter({{"sort", "name"}}, 60).error().field, "sort");
  EXPECT_TRUE(parseActiveAgentsFilter({{"limit", "5"}}, 60).ok());
  // Body fields get the same hint.
  auto body =
      parseAgentInput(*parse(R"({"name":"a","level":"L1","role":"r","stauts":"busy"})"), false);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().field, "stauts");
  EXPECT_EQ(body.error().message, "unknown field (did you mean 'status'?)");
}

TEST_F(DomainInputTest, EveryBadProjectFieldIsNamed) {
  const std::vector<BadInput> cases = {
      {R"({"description":"d"})", "name"},
      {R"({"name":""})", "name"},
      {R"({"name":"p","status":"closed"})", "status"},
      {R"({"name":"p","path":5})", "path"},
      {R"({"name":"p","owner":"me"})", "owner"},
  };
  for (const auto& c : cases) {
    auto in = parseProjectInput(*parse(c.body), false);
    ASSERT_FALSE(in.ok()) << c.body;
    EXPECT_EQ(in.error().field, c.field) << c.body;
  }
  auto long_description =
      parseProjectInput(*parse(R"({"description":")" + std::string(4097, 'd') + R"("})"), true);
  EXPECT_EQ(long_description.error().field, "description");
  EXPECT_TRUE(parseProjectInput(*parse(R"({"name":"p","status":"archived"})"), false).ok());
  EXPECT_EQ(parseProjectFilter({{"status", "old"}}).error().field, "status");
}

TEST_F(DomainInputTest, UsernamesAndPasswords) {
  EXPECT_TRUE(validateUsername("ops.team-1_a").ok());
  for (const std::string& bad : {std::string(), std::string(65, 'u'), std::string("has space"),
                                 std::string("semi;colon"), std::string("\xC3\xA9")}) {
    EXPECT_EQ(validateUsername(bad).error().field, "username") << bad;
  }
  EXPECT_EQ(validatePassword("short").error().field, "password");
  EXPECT_TRUE(validatePassword("long enough").ok());
  auto in =
      parseUserInput(*parse(R"({"username":"u","password":"12345678","role":"root"})"), false);
  EXPECT_EQ(in.error().field, "role");
  auto rename = parseUserInput(*parse(R"({"username":"other"})"), true);
  EXPECT_EQ(rename.error().field, "username");
  auto disable = parseUserInput(*parse(R"({"disabled":"yes"})"), true);
  EXPECT_EQ(disable.error().field, "disabled");
}

}  // namespace
}  // namespace cc::domain
