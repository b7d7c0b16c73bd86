#include "app/listener_routes.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "app/daemon_settings.h"
#include "http/handlers/openapi_handler.h"

namespace cc::app {
namespace {

using Poco::JSON::Object;
using RouteSet = std::set<std::string>;  // "GET /api/agents/{id}"

class NoBackend final : public admin::AdminBackend {
 public:
  Poco::JSON::Object::Ptr status() const override { return new Object; }
  admin::ReloadOutcome reload() override { return {}; }
  config::ConfigPtr effectiveConfig() const override { return nullptr; }
  bool setLogLevel(const std::string&) override { return true; }
  void requestRestart() override {}
};

std::string readSourceFile(const std::string& relative) {
  std::ifstream in(std::string(CC_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

RouteSet routesOf(const http::Router& router) {
  RouteSet out;
  for (const auto& route : router.routes()) out.insert(route.method + " " + route.pattern);
  return out;
}

// What one set has that the other has not, for a message that names the routes.
std::string missingFrom(const RouteSet& wanted, const RouteSet& have) {
  std::string out;
  for (const auto& r : wanted) {
    if (have.count(r) == 0) out += "\n  " + r;
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool isOperationKey(const std::string& key) {
  static const std::set<std::string> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
  return kMethods.count(key) > 0;
}

// Follows "#/components/..." pointers; null when one does not resolve.
Object::Ptr resolve(const Object::Ptr& doc, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return nullptr;
  Object::Ptr at = doc;
  std::string rest = ref.substr(2);
  while (at && !rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string name = rest.substr(0, slash);
    rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
    at = at->has(name) ? at->getObject(name) : nullptr;
  }
  return at;
}

void collectRefs(const Poco::Dynamic::Var& value, std::set<std::string>& out) {
  if (value.type() == typeid(Object::Ptr)) {
    auto o = value.extract<Object::Ptr>();
    for (const auto& [key, child] : *o) {
      if (key == "$ref" && child.isString()) out.insert(child.toString());
      collectRefs(child, out);
    }
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    for (const auto& child : *value.extract<Poco::JSON::Array::Ptr>()) collectRefs(child, out);
  }
}

// The real routers of both listeners, built once for the suite (building the services hashes
// the bootstrap admin's password, which takes a while).
class ListenerRoutesTest : public ::testing::Test {
 protected:
  struct Built {
    Poco::TemporaryFile dir;
    std::unique_ptr<Services> services;
    NoBackend backend;
    http::Router public_routes;
    http::Router admin_routes;
  };

  static void SetUpTestSuite() {
    built_ = new Built;
    Poco::File(built_->dir.path()).createDirectories();
    auto loaded = DaemonSettings::load("", {{"daemon.state_dir", built_->dir.path()}});
    ASSERT_TRUE(loaded.ok());
    auto services = Services::create(*loaded.settings, common::Clock::system());
    ASSERT_TRUE(services.ok()) << services.error().message;
    built_->services = std::move(*services);
    addPublicRoutes(built_->public_routes, *built_->services, common::SteadyTime{});
    addAdminListenerRoutes(built_->admin_routes, *built_->services, built_->backend);
  }
  static void TearDownTestSuite() {
    delete built_;
    built_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(built_->services, nullptr);
    doc_ = Poco::JSON::Parser()
               .parse(std::string(http::handlers::openApiDocument()))
               .extract<Object::Ptr>();
  }

  // The operations the document lists for one listener: admin paths name the admin listener
  // as their server, public ones use the document's.
  RouteSet documented(bool admin) const {
    RouteSet out;
    auto paths = doc_->getObject("paths");
    for (const auto& [path, item_var] : *paths) {
      auto item = item_var.extract<Object::Ptr>();
      if (item->has("servers") != admin) continue;
      for (const auto& [key, operation] : *item) {
        if (isOperationKey(key)) out.insert(upper(key) + " " + path);
      }
    }
    return out;
  }

  static Built* built_;
  const http::Router& public_ = built_->public_routes;
  const http::Router& admin_ = built_->admin_routes;
  Object::Ptr doc_;
};

ListenerRoutesTest::Built* ListenerRoutesTest::built_ = nullptr;

TEST_F(ListenerRoutesTest, TheServedDocumentIsTheCheckedInFile) {
  EXPECT_EQ(std::string(http::handlers::openApiDocument()), readSourceFile("docs/openapi.json"))
      << "rebuild: CMake embeds docs/openapi.json";
  EXPECT_EQ(doc_->getValue<std::string>("openapi"), "3.1.0");
}

TEST_F(ListenerRoutesTest, EveryPublicRouteIsInTheOpenApiDocumentAndNothingElse) {
  const RouteSet routes = routesOf(public_);
  const RouteSet doc = documented(false);
  EXPECT_EQ(missingFrom(routes, doc), "") << "routes missing from docs/openapi.json";
  EXPECT_EQ(missingFrom(doc, routes), "") << "documented in docs/openapi.json, not routed";
}

TEST_F(ListenerRoutesTest, EveryAdminRouteIsInTheOpenApiDocumentAndNothingElse) {
  const RouteSet routes = routesOf(admin_);
  const RouteSet doc = documented(true);
  EXPECT_EQ(missingFrom(routes, doc), "") << "admin routes missing from docs/openapi.json";
  EXPECT_EQ(missingFrom(doc, routes), "")
      << "documented on the admin server in docs/openapi.json, not routed";
}

// Each {name} of a path template is declared as a path parameter of each of its operations,
// and no operation declares one its path does not have.
TEST_F(ListenerRoutesTest, PathParametersMatchTheTemplates) {
  const std::regex param(R"(\{([^}]+)\})");
  auto paths = doc_->getObject("paths");
  for (const auto& [path, item_var] : *paths) {
    std::set<std::string> in_template;
    for (std::sregex_iterator it(path.begin(), path.end(), param), end; it != end; ++it) {
      in_template.insert((*it)[1]);
    }
    auto item = item_var.extract<Object::Ptr>();
    for (const auto& [method, operation_var] : *item) {
      if (!isOperationKey(method)) continue;
      auto operation = operation_var.extract<Object::Ptr>();
      std::set<std::string> declared;
      if (auto params = operation->getArray("parameters")) {
        for (const auto& p_var : *params) {
          auto p = p_var.extract<Object::Ptr>();
          if (p->has("$ref")) p = resolve(doc_, p->getValue<std::string>("$ref"));
          ASSERT_TRUE(p) << method << " " << path;
          if (p->getValue<std::string>("in") == "path") {
            declared.insert(p->getValue<std::string>("name"));
          }
        }
      }
      EXPECT_EQ(declared, in_template) << method << " " << path;
      EXPECT_TRUE(operation->has("responses")) << method << " " << path;
      EXPECT_TRUE(operation->has("operationId")) << method << " " << path;
    }
  }
}

TEST_F(ListenerRoutesTest, EveryReferenceResolves) {
  std::set<std::string> refs;
  collectRefs(doc_, refs);
  EXPECT_FALSE(refs.empty());
  for (const auto& ref : refs) EXPECT_TRUE(resolve(doc_, ref)) << ref;
}

// docs/api.md's route index: one row a route, "| `METHOD /path` | public or admin | ...".
TEST_F(ListenerRoutesTest, TheApiDocsRouteIndexListsEveryRouteOfEachListener) {
  const std::string text = readSourceFile("docs/api.md");
  const std::size_t begin = text.find("## Route index");
  ASSERT_NE(begin, std::string::npos) << "docs/api.md has no '## Route index' section";
  const std::size_t end = text.find("\n## ", begin + 1);
  const std::string index = text.substr(begin, end == std::string::npos ? end : end - begin);
  const std::regex row(R"(^\| `([A-Z]+) (/[^` ]*)` \| (public|admin) \|)");
  RouteSet listed_public, listed_admin;
  std::istringstream lines(index);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) continue;
    auto& listed = m[3] == "admin" ? listed_admin : listed_public;
    EXPECT_TRUE(listed.insert(m[1].str() + " " + m[2].str()).second) << "listed twice: " << line;
  }
  EXPECT_EQ(missingFrom(routesOf(public_), listed_public), "") << "not in docs/api.md";
  EXPECT_EQ(missingFrom(listed_public, routesOf(public_)), "") << "in docs/api.md, not routed";
  EXPECT_EQ(missingFrom(routesOf(admin_), listed_admin), "") << "not in docs/api.md";
  EXPECT_EQ(missingFrom(listed_admin, routesOf(admin_)), "") << "in docs/api.md, not routed";
}

}  // namespace
}  // namespace cc::app
