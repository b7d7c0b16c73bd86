#include <gtest/gtest.h>

#include "unit/http/domain_api_fixture.h"

namespace cc::http::testing {
namespace {

class ProjectHandlersTest : public ServedApiFixture {};

TEST_F(ProjectHandlersTest, CreateGetPatchDeleteWithLocationAndEvents) {
  Response created =
      call("POST", "/api/projects", R"({"name":"apollo","description":"moon","path":"/srv/a"})");
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json()->getValue<int64_t>("id");
  EXPECT_EQ(created.header("Location"), "/api/projects/" + std::to_string(id));
  EXPECT_EQ(created.json()->getValue<std::string>("status"), "active");
  EXPECT_EQ(created.json()->getValue<std::string>("path"), "/srv/a");

  std::string url = "/api/projects/" + std::to_string(id);
  EXPECT_EQ(call("GET", url).json()->getValue<std::string>("description"), "moon");
  Response patched = call("PATCH", url, R"({"status":"archived"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()->getValue<std::string>("status"), "archived");
  EXPECT_EQ(patched.json()->getValue<std::string>("name"), "apollo");
  EXPECT_EQ(call("DELETE", url).status, 204);
  EXPECT_EQ(call("GET", url).status, 404);

  auto events = published();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].first, "projects");
  EXPECT_EQ(eventType(events[0].second), "project.created");
  EXPECT_NE(events[0].second.find(R"("project":{"id":)"), std::string::npos);
  EXPECT_EQ(eventType(events[1].second), "project.updated");
  EXPECT_EQ(events[2].second, R"({"type":"project.deleted","id":)" + std::to_string(id) + "}");
  EXPECT_EQ(invalidated(),
            (std::vector<std::string>{"/api/projects", "/api/projects", "/api/projects"}));
}

TEST_F(ProjectHandlersTest, DuplicateNamesConflict) {
  int64_t first = createProject("apollo");
  int64_t second = createProject("gemini");
  Response dup = call("POST", "/api/projects", R"({"name":"apollo"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.errorCode(), "conflict");
  Response rename =
      call("PATCH", "/api/projects/" + std::to_string(second), R"({"name":"apollo"})");
  EXPECT_EQ(rename.status, 409);
  EXPECT_NE(first, second);
}

TEST_F(ProjectHandlersTest, DeletingAReferencedProjectNeedsForce) {
  int64_t project = createProject("apollo");
  int64_t agent = createAgent("pilot", "L1", R"(,"project_id":)" + std::to_string(project));
  std::string url = "/api/projects/" + std::to_string(project);

  Response refused = call("DELETE", url);
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.errorCode(), "conflict");
  for (const char* bad : {"yes", "1", "TRUE", ""}) {
    Response r = call("DELETE", url + "?force=" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.errorField(), "force") << bad;
  }
  EXPECT_EQ(call("DELETE", url + "?force=false").status, 409);
  EXPECT_EQ(call("GET", url).status, 200);

  auto before = invalidated().size();
  EXPECT_EQ(call("DELETE", url + "?force=true").status, 204);
  EXPECT_EQ(call("GET", url).status, 404);
  Response pilot = call("GET", "/api/agents/" + std::to_string(agent));
  EXPECT_TRUE(pilot.json()->isNull("project_id"));
  auto after = invalidated();
  EXPECT_EQ(std::vector<std::string>(after.begin() + static_cast<long>(before), after.end()),
            (std::vector<std::string>{"/api/projects", "/api/agents"}));

  int64_t unused = createProject("unused");
  EXPECT_EQ(call("DELETE", "/api/projects/" + std::to_string(unused)).status, 204);
}

TEST_F(ProjectHandlersTest, ListFiltersPaginatesSortsAndRejectsBadParameters) {
  createProject("mercury");
  createProject("gemini", R"(,"status":"archived")");
  createProject("apollo");
  createProject("artemis", R"(,"status":"archived")");

  Response all = call("GET", "/api/projects");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json()->getValue<int>("total"), 4);
  EXPECT_EQ(all.json()->getValue<int>("limit"), 50);
  EXPECT_EQ(itemNames(call("GET", "/api/projects?status=archived")),
            (std::vector<std::string>{"gemini", "artemis"}));
  EXPECT_EQ(itemNames(call("GET", "/api/projects?q=EMI")),
            (std::vector<std::string>{"gemini", "artemis"}));
  Response page = call("GET", "/api/projects?sort=name&limit=2&offset=1");
  EXPECT_EQ(itemNames(page), (std::vector<std::string>{"artemis", "gemini"}));
  EXPECT_EQ(page.json()->getValue<int>("total"), 4);
  EXPECT_EQ(page.json()->getValue<int>("offset"), 1);

  for (const char* q : {"status=deleted", "limit=0", "offset=x", "sort=path"}) {
    Response r = call("GET", std::string("/api/projects?") + q);
    EXPECT_EQ(r.status, 400) << q;
    EXPECT_EQ(r.errorField(), std::string(q).substr(0, std::string(q).find('='))) << q;
  }
}

TEST_F(ProjectHandlersTest, BadIdsAndBodies) {
  int64_t id = createProject("apollo");
  for (const char* bad : {"x", "0", "007a", "12345678901234567890"}) {
    EXPECT_EQ(call("GET", std::string("/api/projects/") + bad).status, 404) << bad;
    EXPECT_EQ(call("DELETE", std::string("/api/projects/") + bad).status, 404) << bad;
  }
  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"name":")" + std::string(129, 'p') + "\"}", "name"},
        Case{R"({"name":"a","status":"gone"})", "status"},
        Case{R"({"name":"a","owner":"me"})", "owner"}, Case{R"({"name":["a"]})", "name"},
        Case{R"({"description":"d"})", "name"}, Case{"{\"name\":\"\xc3\"}", ""}}) {
    Response r = call("POST", "/api/projects", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
  Response patch = call("PATCH", "/api/projects/" + std::to_string(id), R"({"id":5})");
  EXPECT_EQ(patch.status, 400);
  EXPECT_EQ(patch.errorField(), "id");
  EXPECT_EQ(call("PATCH", "/api/projects/" + std::to_string(id), R"({"name":"x"})",
                 {{"Content-Type", "application/xml"}})
                .status,
            415);
}

}  // namespace
}  // namespace cc::http::testing
