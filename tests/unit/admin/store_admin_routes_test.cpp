#include <gtest/gtest.h>

#include <Poco/File.h>

#include <set>

#include "unit/http/domain_api_fixture.h"

namespace cc::admin {
namespace {

using http::testing::Response;

class StoreAdminRoutesTest : public http::testing::ServedApiFixture {};

TEST_F(StoreAdminRoutesTest, UsersCanBeListedCreatedAndRemoved) {
  Response empty = call("GET", "/admin/users");
  ASSERT_EQ(empty.status, 200);
  EXPECT_EQ(empty.json()->getArray("users")->size(), 0u);

  Response created = call("POST", "/admin/users",
                          R"({"username":"carol","password":"long enough","role":"admin"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Location"), "/admin/users/carol");
  EXPECT_EQ(created.json()->getValue<std::string>("role"), "admin");
  ASSERT_EQ(call("POST", "/admin/users", R"({"username":"dave","password":"long enough"})").status,
            201);

  Response list = call("GET", "/admin/users");
  auto users = list.json()->getArray("users");
  ASSERT_EQ(users->size(), 2u);
  auto carol = users->getObject(0);
  EXPECT_EQ(carol->getValue<std::string>("username"), "carol");
  EXPECT_EQ(carol->getValue<std::string>("role"), "admin");
  EXPECT_EQ(carol->getValue<std::string>("created_at"), common::formatIsoTime(clock_.wallMillis()));
  EXPECT_FALSE(carol->getValue<bool>("disabled"));
  EXPECT_FALSE(carol->has("password_hash"));
  EXPECT_EQ(users->getObject(1)->getValue<std::string>("role"), "viewer");

  EXPECT_EQ(call("DELETE", "/admin/users/dave").status, 204);
  EXPECT_EQ(call("DELETE", "/admin/users/dave").status, 404);
  EXPECT_EQ(call("DELETE", "/admin/users/no%20such").status, 404);
  EXPECT_EQ(call("GET", "/admin/users").json()->getArray("users")->size(), 1u);

  // carol is the last admin: without her nobody could write again.
  Response last = call("DELETE", "/admin/users/carol");
  EXPECT_EQ(last.status, 409) << last.body;
  EXPECT_EQ(last.errorCode(), "conflict");
  EXPECT_EQ(call("GET", "/admin/users").json()->getArray("users")->size(), 1u);
}

TEST_F(StoreAdminRoutesTest, UserCreationValidatesEveryField) {
  ASSERT_TRUE(users_->create("taken", "long enough", domain::Role::kViewer).ok());
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"username":"taken","password":"long enough"})", 409, ""},
        Case{R"({"username":"e v e","password":"long enough"})", 400, "username"},
        Case{R"({"username":"eve","password":"short"})", 400, "password"},
        Case{R"({"username":"eve","password":"long enough","role":"root"})", 400, "role"},
        Case{R"({"username":"eve"})", 400, "password"},
        Case{R"({"username":"eve","password":"long enough","shell":"sh"})", 400, "shell"},
        Case{R"({"username":"eve","password":12345678})", 400, "password"}}) {
    Response r = call("POST", "/admin/users", c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
}

TEST_F(StoreAdminRoutesTest, PasswordResetChangesTheLoginAndEndsOldSessions) {
  std::string token = loginAs("erin", "first password", domain::Role::kViewer);
  Response reset = call("POST", "/admin/users/erin/password", R"({"password":"second password"})");
  EXPECT_EQ(reset.status, 204) << reset.body;
  EXPECT_FALSE(tokens_->validate(token).ok());
  EXPECT_EQ(
      call("POST", "/api/auth/login", R"({"username":"erin","password":"first password"})").status,
      401);
  EXPECT_EQ(
      call("POST", "/api/auth/login", R"({"username":"erin","password":"second password"})").status,
      200);

  EXPECT_EQ(call("POST", "/admin/users/nobody/password", R"({"password":"long enough"})").status,
            404);
  Response short_one = call("POST", "/admin/users/erin/password", R"({"password":"short"})");
  EXPECT_EQ(short_one.status, 400);
  EXPECT_EQ(short_one.errorField(), "password");
  EXPECT_EQ(call("POST", "/admin/users/erin/password", R"({})").errorField(), "password");
  EXPECT_EQ(call("POST", "/admin/users/erin/password", R"({"pw":"x"})").errorField(), "pw");
}

TEST_F(StoreAdminRoutesTest, PatchDisablesEnablesAndChangesTheRole) {
  ASSERT_TRUE(users_->create("root", "long enough", domain::Role::kAdmin).ok());
  std::string token = loginAs("erin", "erin password", domain::Role::kViewer);

  Response one = call("GET", "/admin/users/erin");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.json()->getValue<std::string>("role"), "viewer");
  EXPECT_FALSE(one.json()->getValue<bool>("disabled"));
  EXPECT_EQ(call("GET", "/admin/users/nobody").status, 404);
  EXPECT_EQ(call("GET", "/admin/users/no%20such").status, 404);

  Response disabled = call("PATCH", "/admin/users/erin", R"({"disabled":true})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_TRUE(disabled.json()->getValue<bool>("disabled"));
  EXPECT_EQ(disabled.json()->getValue<int64_t>("tokens_revoked"), 1);
  EXPECT_FALSE(tokens_->validate(token).ok());
  Response login =
      call("POST", "/api/auth/login", R"({"username":"erin","password":"erin password"})");
  EXPECT_EQ(login.status, 403) << login.body;
  EXPECT_EQ(login.errorCode(), "forbidden");
  auto listed = call("GET", "/admin/users").json()->getArray("users");
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_TRUE(listed->getObject(0)->getValue<bool>("disabled"));  // erin sorts first

  Response enabled = call("PATCH", "/admin/users/erin", R"({"disabled":false,"role":"admin"})");
  ASSERT_EQ(enabled.status, 200) << enabled.body;
  EXPECT_FALSE(enabled.json()->getValue<bool>("disabled"));
  EXPECT_EQ(enabled.json()->getValue<std::string>("role"), "admin");
  EXPECT_EQ(enabled.json()->getValue<int64_t>("tokens_revoked"), 0);
  login = call("POST", "/api/auth/login", R"({"username":"erin","password":"erin password"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.json()->getValue<std::string>("role"), "admin");

  // An empty patch changes nothing and revokes nothing.
  std::string fresh = login.json()->getValue<std::string>("token");
  Response unchanged = call("PATCH", "/admin/users/erin", "{}");
  ASSERT_EQ(unchanged.status, 200) << unchanged.body;
  EXPECT_EQ(unchanged.json()->getValue<std::string>("role"), "admin");
  EXPECT_TRUE(tokens_->validate(fresh).ok());
}

TEST_F(StoreAdminRoutesTest, PatchValidatesItsBodyAndKeepsTheLastAdmin) {
  ASSERT_TRUE(users_->create("root", "long enough", domain::Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("vera", "long enough", domain::Role::kViewer).ok());
  struct Case {
    std::string target;
    std::string body;
    int status;
    std::string code;
    std::string field;
  };
  for (const auto& c : {
           Case{"/admin/users/vera", R"({"role":"root"})", 400, "validation_failed", "role"},
           Case{"/admin/users/vera", R"({"disabled":"yes"})", 400, "validation_failed", "disabled"},
           Case{"/admin/users/vera", R"({"disable":true})", 400, "validation_failed", "disable"},
           Case{"/admin/users/vera", R"({"username":"v2"})", 400, "validation_failed", "username"},
           Case{"/admin/users/vera", R"({"password":"long enough"})", 400, "validation_failed",
                "password"},
           Case{"/admin/users/vera", "[]", 400, "bad_request", ""},
           Case{"/admin/users/ghost", R"({"disabled":true})", 404, "not_found", ""},
           Case{"/admin/users/root", R"({"disabled":true})", 409, "conflict", ""},
           Case{"/admin/users/root", R"({"role":"viewer"})", 409, "conflict", ""},
       }) {
    Response r = call("PATCH", c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.target << " " << c.body << " " << r.body;
    EXPECT_EQ(r.errorCode(), c.code) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
  auto root = users_->find("root");
  EXPECT_EQ(root->role, domain::Role::kAdmin);
  EXPECT_FALSE(root->disabled);
  auto vera = users_->find("vera");
  EXPECT_EQ(vera->role, domain::Role::kViewer);
  EXPECT_FALSE(vera->disabled);
}

TEST_F(StoreAdminRoutesTest, TokensAreListedWithoutSecretsAndRevokedOneOrAll) {
  std::string first = loginAs("erin", "erin password", domain::Role::kViewer);
  Response again =
      call("POST", "/api/auth/login", R"({"username":"erin","password":"erin password"})");
  ASSERT_EQ(again.status, 200);
  std::string second = again.json()->getValue<std::string>("token");
  ASSERT_TRUE(tokens_->validate(second).ok());

  Response listed = call("GET", "/admin/users/erin/tokens");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.header("Cache-Control"), "no-store");
  EXPECT_EQ(listed.body.find(first), std::string::npos);
  EXPECT_EQ(listed.body.find(second), std::string::npos);
  EXPECT_EQ(listed.body.find(auth::TokenService::hashToken(first)), std::string::npos);
  EXPECT_EQ(listed.json()->getValue<std::string>("username"), "erin");
  auto items = listed.json()->getArray("tokens");
  ASSERT_EQ(items->size(), 2u);
  auto item = items->getObject(0);
  EXPECT_EQ(item->getValue<std::string>("role"), "viewer");
  EXPECT_EQ(item->getValue<std::string>("created_at"), common::formatIsoTime(clock_.wallMillis()));
  EXPECT_TRUE(item->has("expires_at"));
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items->size(); ++i) {
    ids.insert(items->getObject(i)->getValue<std::string>("id"));
  }
  const std::string second_id = auth::TokenService::tokenId(second);
  EXPECT_EQ(ids, (std::set<std::string>{auth::TokenService::tokenId(first), second_id}));
  for (std::size_t i = 0; i < items->size(); ++i) {
    auto token = items->getObject(i);
    // Only the token presented since it was issued has a last use.
    EXPECT_EQ(token->isNull("last_used_at"), token->getValue<std::string>("id") != second_id);
  }

  // The holder of a token learns its id from validate.
  Response v = call("GET", "/api/auth/validate", {},
                    {{"Authorization", "Bearer " + second}, {"X-Test-Role", ""}});
  EXPECT_EQ(v.json()->getValue<std::string>("token_id"), second_id);

  EXPECT_EQ(call("DELETE", "/admin/users/erin/tokens/" + second_id).status, 204);
  EXPECT_FALSE(tokens_->validate(second).ok());
  EXPECT_TRUE(tokens_->validate(first).ok());
  Response gone = call("DELETE", "/admin/users/erin/tokens/" + second_id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.errorCode(), "not_found");
  EXPECT_EQ(call("DELETE", "/admin/users/erin/tokens/not-an-id").status, 404);
  EXPECT_EQ(call("DELETE", "/admin/users/ghost/tokens/" + second_id).status, 404);
  EXPECT_EQ(call("GET", "/admin/users/ghost/tokens").status, 404);
  EXPECT_EQ(call("DELETE", "/admin/users/ghost/tokens").status, 404);
  EXPECT_EQ(call("GET", "/admin/users/erin/tokens").json()->getArray("tokens")->size(), 1u);

  Response all = call("DELETE", "/admin/users/erin/tokens");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(all.json()->getValue<int64_t>("revoked"), 1);
  EXPECT_FALSE(tokens_->validate(first).ok());
  EXPECT_EQ(call("GET", "/admin/users/erin/tokens").json()->getArray("tokens")->size(), 0u);
  EXPECT_EQ(call("DELETE", "/admin/users/erin/tokens").json()->getValue<int64_t>("revoked"), 0);
  // Viewers never reach these routes; revoking is a write.
  EXPECT_EQ(call("DELETE", "/admin/users/erin/tokens", {}, {{"X-Test-Role", "viewer"}}).status,
            403);
}

TEST_F(StoreAdminRoutesTest, MintedTokensWorkAndCreateTheirUser) {
  Response minted = call("POST", "/admin/tokens", "{}");
  ASSERT_EQ(minted.status, 201) << minted.body;
  auto body = minted.json();
  EXPECT_EQ(body->getValue<std::string>("username"), "loadtest");
  EXPECT_EQ(body->getValue<std::string>("role"), "viewer");
  EXPECT_EQ(body->getValue<std::string>("expires_at"),
            common::formatIsoTime(clock_.wallMillis() + 900 * 1000));
  std::string token = body->getValue<std::string>("token");
  Response v = call("GET", "/api/auth/validate", {},
                    {{"Authorization", "Bearer " + token}, {"X-Test-Role", ""}});
  EXPECT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(v.json()->getValue<std::string>("username"), "loadtest");

  // The user now exists, so a second mint reuses it; an empty body means all defaults.
  Response again = call("POST", "/admin/tokens", "", {{"Content-Type", ""}});
  EXPECT_EQ(again.status, 201) << again.body;
  auto admin = call("POST", "/admin/tokens", R"({"username":"bench","role":"admin","ttl_s":60})");
  ASSERT_EQ(admin.status, 201) << admin.body;
  EXPECT_EQ(admin.json()->getValue<std::string>("role"), "admin");
  EXPECT_EQ(admin.json()->getValue<std::string>("expires_at"),
            common::formatIsoTime(clock_.wallMillis() + 60 * 1000));
  auto identity = tokens_->validate(admin.json()->getValue<std::string>("token"));
  ASSERT_TRUE(identity.ok());
  EXPECT_EQ(identity->role, domain::Role::kAdmin);
  EXPECT_EQ(call("GET", "/admin/users").json()->getArray("users")->size(), 2u);
  // The minted account has a password nobody knows.
  EXPECT_FALSE(users_->authenticate("loadtest", "").ok());

  clock_.advance(std::chrono::seconds(61));
  EXPECT_FALSE(tokens_->validate(admin.json()->getValue<std::string>("token")).ok());

  // Deleting the account revokes every token minted for it.
  EXPECT_EQ(call("DELETE", "/admin/users/loadtest").status, 204);
  EXPECT_FALSE(tokens_->validate(token).ok());
}

TEST_F(StoreAdminRoutesTest, MintingValidatesItsFields) {
  ASSERT_TRUE(users_->create("frozen", "long enough", domain::Role::kViewer).ok());
  ASSERT_TRUE(users_->setDisabled("frozen", true).ok());
  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"ttl_s":0})", 400, "ttl_s"}, Case{R"({"ttl_s":86401})", 400, "ttl_s"},
        Case{R"({"ttl_s":"60"})", 400, "ttl_s"}, Case{R"({"ttl_s":1.5})", 400, "ttl_s"},
        Case{R"({"role":"root"})", 400, "role"}, Case{R"({"username":"a b"})", 400, "username"},
        Case{R"({"scope":"all"})", 400, "scope"}, Case{R"({"username":"frozen"})", 403, ""}}) {
    Response r = call("POST", "/admin/tokens", c.body);
    EXPECT_EQ(r.status, c.status) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
  EXPECT_EQ(call("POST", "/admin/tokens", R"({"ttl_s":86400})").status, 201);
}

TEST_F(StoreAdminRoutesTest, PoolStatsUseTheDocumentedNames) {
  Response r = call("GET", "/admin/pool");
  ASSERT_EQ(r.status, 200);
  auto pool = r.json();
  for (const char* key : {"min", "max", "size", "in_use", "idle", "waiting", "acquired_total",
                          "timeouts_total", "wait_ms"}) {
    EXPECT_TRUE(pool->has(key)) << key;
  }
  EXPECT_EQ(pool->getValue<int>("max"), options_.pool.max);
  EXPECT_EQ(pool->getValue<int>("in_use"), 0);
  EXPECT_TRUE(pool->getObject("wait_ms")->getObject("buckets")->has("+Inf"));
}

TEST_F(StoreAdminRoutesTest, FaultsCanBeSetPartiallyValidatedAndCleared) {
  Response initial = call("GET", "/admin/faults");
  ASSERT_EQ(initial.status, 200);
  EXPECT_EQ(initial.body, R"({"db":{"delay_ms":0,"error_rate":0,"injected_errors_total":0}})");

  Response delay = call("PUT", "/admin/faults/db", R"({"delay_ms":5})");
  ASSERT_EQ(delay.status, 200) << delay.body;
  Response rate = call("PUT", "/admin/faults/db", R"({"error_rate":0.25})");
  ASSERT_EQ(rate.status, 200);
  EXPECT_EQ(rate.json()->getObject("db")->getValue<int>("delay_ms"), 5);  // kept
  EXPECT_EQ(rate.json()->getObject("db")->getValue<double>("error_rate"), 0.25);

  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"delay_ms":60001})", "delay_ms"}, Case{R"({"delay_ms":-1})", "delay_ms"},
        Case{R"({"delay_ms":"5"})", "delay_ms"}, Case{R"({"delay_ms":null})", "delay_ms"},
        Case{R"({"delay_ms":2.5})", "delay_ms"}, Case{R"({"error_rate":1.01})", "error_rate"},
        Case{R"({"error_rate":-0.1})", "error_rate"}, Case{R"({"error_rate":true})", "error_rate"},
        Case{R"({"error_rate":"0.5"})", "error_rate"}, Case{R"({"jitter_ms":1})", "jitter_ms"}}) {
    Response r = call("PUT", "/admin/faults/db", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.errorField(), c.field) << c.body;
  }
  EXPECT_EQ(store_->faults().settings().delay_ms, 5);  // rejected requests changed nothing
  EXPECT_EQ(store_->faults().settings().error_rate, 0.25);

  ASSERT_EQ(call("PUT", "/admin/faults/db", R"({"delay_ms":0,"error_rate":1})").status, 200);
  Response failed = call("GET", "/api/agents");
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.errorCode(), "dependency_unavailable");
  EXPECT_EQ(failed.header("Retry-After"), "1");
  EXPECT_EQ(
      call("GET", "/admin/faults").json()->getObject("db")->getValue<int>("injected_errors_total"),
      1);

  Response cleared = call("DELETE", "/admin/faults/db");
  ASSERT_EQ(cleared.status, 200);
  EXPECT_EQ(cleared.body, R"({"db":{"delay_ms":0,"error_rate":0,"injected_errors_total":1}})");
  EXPECT_EQ(call("GET", "/api/agents").status, 200);
}

TEST_F(StoreAdminRoutesTest, BackupWritesAConsistentCopyAndRefusesToClobber) {
  createAgent("kept");
  const std::string target = dir_ + "copy.db";
  Response r = call("POST", "/admin/backup", R"({"path":")" + target + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()->getValue<std::string>("path"), target);
  EXPECT_EQ(r.json()->getValue<uint64_t>("bytes"), Poco::File(target).getSize());
  EXPECT_GT(Poco::File(target).getSize(), 0u);

  Response again = call("POST", "/admin/backup", R"({"path":")" + target + "\"}");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorCode(), "conflict");
  EXPECT_EQ(
      call("POST", "/admin/backup", R"({"path":")" + target + R"(","overwrite":true})").status,
      200);

  struct Case {
    std::string body;
    int status;
    std::string field;
  };
  for (const auto& c :
       {Case{R"({"path":"relative.db"})", 400, "path"}, Case{R"({"path":""})", 400, "path"},
        Case{R"({})", 400, "path"}, Case{R"({"path":")" + dir_ + R"(missing/x.db"})", 400, "path"},
        Case{R"({"path":")" + dir_ + R"("})", 400, "path"},
        Case{R"({"path":")" + dir_ + R"(a\u0000b.db"})", 400, "path"},
        Case{R"({"path":")" + target + R"(","overwrite":"yes"})", 400, "overwrite"},
        Case{R"({"path":")" + options_.path + R"(","overwrite":true})", 409, ""},
        Case{R"({"path":"/x.db","to":"y"})", 400, "to"}}) {
    Response bad = call("POST", "/admin/backup", c.body);
    EXPECT_EQ(bad.status, c.status) << c.body;
    EXPECT_EQ(bad.errorField(), c.field) << c.body;
  }
  EXPECT_FALSE(Poco::File(dir_ + "a").exists());

  // The copy is a working database holding what was committed.
  store::StoreOptions copy_options = options_;
  copy_options.path = target;
  auto copy = store::Store::open(copy_options, clock_);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  auto page = (*copy)->agents().list(domain::AgentFilter{});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->total, 1);
}

}  // namespace
}  // namespace cc::admin
