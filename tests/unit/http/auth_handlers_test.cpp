#include <gtest/gtest.h>

#include <set>

#include "unit/http/domain_api_fixture.h"

namespace cc::http::testing {
namespace {

class AuthHandlersTest : public ServedApiFixture {};

TEST_F(AuthHandlersTest, LoginIssuesABearerTokenThatValidates) {
  ASSERT_TRUE(users_->create("alice", "correct horse", domain::Role::kViewer).ok());
  Response r = call("POST", "/api/auth/login", R"({"username":"alice","password":"correct horse"})",
                    {{"X-Test-Role", ""}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = r.json();
  std::string token = body->getValue<std::string>("token");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(body->getValue<std::string>("token_type"), "Bearer");
  EXPECT_EQ(body->getValue<std::string>("username"), "alice");
  EXPECT_EQ(body->getValue<std::string>("role"), "viewer");
  std::string expires = common::formatIsoTime(clock_.wallMillis() + 43200 * 1000LL);
  EXPECT_EQ(body->getValue<std::string>("expires_at"), expires);

  Response v = call("GET", "/api/auth/validate", {},
                    {{"Authorization", "Bearer " + token}, {"X-Test-Role", ""}});
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_TRUE(v.json()->getValue<bool>("valid"));
  EXPECT_EQ(v.json()->getValue<std::string>("username"), "alice");
  EXPECT_EQ(v.json()->getValue<std::string>("role"), "viewer");
  EXPECT_EQ(v.json()->getValue<std::string>("expires_at"), expires);
}

TEST_F(AuthHandlersTest, UnknownUserAndWrongPasswordLookAlike) {
  ASSERT_TRUE(users_->create("alice", "correct horse", domain::Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("bob", "battery staple", domain::Role::kAdmin).ok());
  ASSERT_TRUE(users_->setDisabled("bob", true).ok());
  std::set<std::string> messages;
  for (const char* body : {R"({"username":"mallory","password":"correct horse"})",
                           R"({"username":"alice","password":"wrong password"})",
                           R"({"username":"bob","password":"wrong password"})"}) {
    Response r = call("POST", "/api/auth/login", body);
    EXPECT_EQ(r.status, 401) << body;
    EXPECT_EQ(r.errorCode(), "unauthorized");
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");
    messages.insert(r.json()->getObject("error")->getValue<std::string>("message"));
  }
  EXPECT_EQ(messages.size(), 1u);
  EXPECT_EQ(*messages.begin(), "invalid username or password");
}

TEST_F(AuthHandlersTest, ADisabledUserWithTheRightPasswordIsToldItIsDisabled) {
  ASSERT_TRUE(users_->create("alice", "correct horse", domain::Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("bob", "battery staple", domain::Role::kViewer).ok());
  ASSERT_TRUE(users_->setDisabled("bob", true).ok());
  Response r = call("POST", "/api/auth/login", R"({"username":"bob","password":"battery staple"})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.errorCode(), "forbidden");
  EXPECT_NE(r.json()->getObject("error")->getValue<std::string>("message").find("disabled"),
            std::string::npos);
  EXPECT_FALSE(r.json()->has("token"));
}

TEST_F(AuthHandlersTest, LoginRejectsMalformedInputNamingTheField) {
  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"username":"alice"})", "password"}, Case{R"({"password":"x"})", "username"},
        Case{R"({"username":7,"password":"x"})", "username"},
        Case{R"({"username":"a","password":true})", "password"},
        Case{R"({"username":"","password":"x"})", "username"},
        Case{R"({"username":"a","password":"x","remember":true})", "remember"},
        Case{R"({"username":")" + std::string(65, 'u') + R"(","password":"x"})", "username"}}) {
    Response r = call("POST", "/api/auth/login", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
  EXPECT_EQ(call("POST", "/api/auth/login", "username=a&password=b",
                 {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            415);
  EXPECT_EQ(call("POST", "/api/auth/login", R"({"username":)").status, 400);
}

TEST_F(AuthHandlersTest, LogoutRevokesThePresentedToken) {
  std::string token = loginAs("vera", "viewer password", domain::Role::kViewer);
  std::string other = loginAs("adam", "admin password", domain::Role::kAdmin);
  Headers bearer{{"Authorization", "Bearer " + token}, {"X-Test-Role", ""}};

  Response out = call("POST", "/api/auth/logout", {}, bearer);
  EXPECT_EQ(out.status, 204) << out.body;
  Response after = call("GET", "/api/auth/validate", {}, bearer);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");
  auto direct = tokens_->validate(token);
  ASSERT_FALSE(direct.ok());
  EXPECT_EQ(direct.error().code, common::ErrorCode::kUnauthorized);
  EXPECT_TRUE(tokens_->validate(other).ok());  // only the presented token ends

  // Without a bearer token there is nothing to revoke.
  Response none = call("POST", "/api/auth/logout", {}, {{"X-Test-Role", "viewer"}});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer realm=\"controlcenter\"");
}

TEST_F(AuthHandlersTest, RoutesDeclareWhatTheMiddlewareEnforces) {
  const std::set<std::string> in_memory = {"GET /admin/pool", "GET /admin/faults",
                                           "PUT /admin/faults/db", "DELETE /admin/faults/db"};
  const std::set<std::string> signed_in_non_writes = {"POST /api/auth/logout"};
  int seen = 0;
  for (const Route& route : router_->routes()) {
    std::string key = route.method + " " + route.pattern;
    bool mutating = route.method == "POST" || route.method == "PATCH" || route.method == "PUT" ||
                    route.method == "DELETE";
    bool is_login = key == "POST /api/auth/login";
    EXPECT_EQ(route.options.is_public, is_login) << key;
    EXPECT_EQ(route.options.writes, mutating && !is_login && !signed_in_non_writes.count(key))
        << key;
    EXPECT_EQ(route.options.uses_store, !in_memory.count(key)) << key;
    ++seen;
  }
  EXPECT_EQ(seen, 3 + 10 + 7 + 15);  // auth, agents (export, import too), projects, admin

  // A viewer may log in, validate and log out; the writes are refused by the middleware.
  std::string token = loginAs("vera", "viewer password", domain::Role::kViewer);
  Headers viewer{{"Authorization", "Bearer " + token}, {"X-Test-Role", ""}};
  EXPECT_EQ(call("GET", "/api/agents", {}, viewer).status, 200);
  EXPECT_EQ(call("POST", "/api/agents", R"({"name":"a","level":"L1","role":"r"})", viewer).status,
            403);
  EXPECT_EQ(call("POST", "/api/auth/logout", {}, viewer).status, 204);
}

}  // namespace
}  // namespace cc::http::testing
