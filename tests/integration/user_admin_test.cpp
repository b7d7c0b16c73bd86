#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// User administration on the real daemon: the admin listener's changes must reach the public
// listener's logins and bearer tokens at once, through the token cache.

namespace cc::testing {
namespace {

class UserAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_.setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    ASSERT_TRUE(daemon_.start()) << daemon_.log();
    admin_ = loginToken(daemon_, "admin", kAdminPassword);
    ASSERT_FALSE(admin_.empty());
    auto created = daemon_.admin("POST", "/admin/users",
                                 R"({"username":"ann","password":"ann password","role":"viewer"})");
    ASSERT_EQ(created.status, 201) << created.body;
  }

  HttpResult login(const std::string& username, const std::string& password) {
    return daemon_.request("POST", "/api/auth/login",
                           R"({"username":")" + username + R"(","password":")" + password + "\"}",
                           jsonHeaders(""));
  }
  std::string annToken() {
    auto r = login("ann", "ann password");
    EXPECT_EQ(r.status, 200) << r.body;
    return jsonField(r.body, "token");
  }
  int readAgents(const std::string& token) {
    return daemon_.get("/api/agents", jsonHeaders(token)).status;
  }
  int writeAgent(const std::string& token, const std::string& name) {
    return daemon_
        .request("POST", "/api/agents",
                 R"({"name":")" + name + R"(","level":"L1","role":"builder"})", jsonHeaders(token))
        .status;
  }
  HttpResult patch(const std::string& user, const std::string& body) {
    return daemon_.admin("PATCH", "/admin/users/" + user, body);
  }

  DaemonProcess daemon_{{"-D", "ratelimit.enabled=false"}};
  std::string admin_;
};

TEST_F(UserAdminTest, DisablingEndsLoginsAndTokensAtOnceAndEnablingRestoresLogins) {
  std::string token = annToken();
  ASSERT_EQ(readAgents(token), 200);  // now in the token cache

  auto disabled = patch("ann", R"({"disabled":true})");
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_EQ(jsonField(disabled.body, "disabled"), "true");
  EXPECT_EQ(jsonField(disabled.body, "tokens_revoked"), "1");
  EXPECT_EQ(readAgents(token), 401);
  auto refused = login("ann", "ann password");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error.code"), "forbidden");
  EXPECT_EQ(login("ann", "wrong password").status, 401);  // no hint without the password
  auto users = daemon_.admin("GET", "/admin/users");
  EXPECT_EQ(jsonField(jsonArrayItem(users.body, "users", "username", "ann"), "disabled"), "true");

  ASSERT_EQ(patch("ann", R"({"disabled":false})").status, 200);
  EXPECT_EQ(readAgents(token), 401) << "enabling does not bring revoked tokens back";
  EXPECT_EQ(readAgents(annToken()), 200);
  users = daemon_.admin("GET", "/admin/users/ann");
  EXPECT_EQ(jsonField(users.body, "disabled"), "false");
}

TEST_F(UserAdminTest, TokensAreListedAndRevokedOneOrAll) {
  std::string first = annToken();
  std::string second = annToken();
  ASSERT_EQ(readAgents(first), 200);
  ASSERT_EQ(readAgents(second), 200);
  auto validated = daemon_.get("/api/auth/validate", jsonHeaders(second));
  const std::string second_id = jsonField(validated.body, "token_id");
  ASSERT_EQ(second_id.size(), 16u) << validated.body;

  auto listed = daemon_.admin("GET", "/admin/users/ann/tokens");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(jsonArraySize(listed.body, "tokens"), 2);
  EXPECT_EQ(listed.body.find(first), std::string::npos) << "never the token itself";
  EXPECT_EQ(listed.body.find(second), std::string::npos);
  std::string item = jsonArrayItem(listed.body, "tokens", "id", second_id);
  ASSERT_FALSE(item.empty()) << listed.body;
  EXPECT_EQ(jsonField(item, "role"), "viewer");
  EXPECT_FALSE(jsonField(item, "last_used_at").empty()) << item;

  EXPECT_EQ(daemon_.admin("DELETE", "/admin/users/ann/tokens/" + second_id).status, 204);
  EXPECT_EQ(readAgents(second), 401);
  EXPECT_EQ(readAgents(first), 200);
  EXPECT_EQ(daemon_.admin("DELETE", "/admin/users/ann/tokens/" + second_id).status, 404);

  std::string third = annToken();
  auto all = daemon_.admin("DELETE", "/admin/users/ann/tokens");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(jsonField(all.body, "revoked"), "2");
  EXPECT_EQ(readAgents(first), 401);
  EXPECT_EQ(readAgents(third), 401);
  EXPECT_EQ(readAgents(admin_), 200) << "other users' tokens are untouched";
  EXPECT_EQ(jsonArraySize(daemon_.admin("GET", "/admin/users/ann/tokens").body, "tokens"), 0);
  EXPECT_EQ(daemon_.admin("GET", "/admin/users/nobody/tokens").status, 404);
}

TEST_F(UserAdminTest, ARoleChangeTakesEffectForTheNextRequest) {
  std::string viewer = annToken();
  EXPECT_EQ(writeAgent(viewer, "a1"), 403);

  auto promoted = patch("ann", R"({"role":"admin"})");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(jsonField(promoted.body, "role"), "admin");
  // Tokens carry the role they were issued with, so the change revokes them.
  EXPECT_EQ(readAgents(viewer), 401);
  std::string admin = annToken();
  EXPECT_EQ(writeAgent(admin, "a1"), 201);

  ASSERT_EQ(patch("ann", R"({"role":"viewer"})").status, 200);
  EXPECT_EQ(writeAgent(admin, "a2"), 401);
  std::string demoted = annToken();
  EXPECT_EQ(readAgents(demoted), 200);
  auto refused = daemon_.request("POST", "/api/agents", R"({"name":"a2","level":"L1","role":"b"})",
                                 jsonHeaders(demoted));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(jsonField(refused.body, "error.code"), "forbidden");
}

TEST_F(UserAdminTest, TheLastEnabledAdminCannotBeDisabledOrDemoted) {
  for (const char* body :
       {R"({"disabled":true})", R"({"role":"viewer"})", R"({"role":"viewer","disabled":true})"}) {
    auto r = patch("admin", body);
    EXPECT_EQ(r.status, 409) << body << " " << r.body;
    EXPECT_EQ(jsonField(r.body, "error.code"), "conflict");
  }
  EXPECT_EQ(writeAgent(admin_, "still-admin"), 201) << "nothing changed";
  auto bad = patch("ann", R"({"disabled":"yes"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(jsonField(bad.body, "error.field"), "disabled");
  EXPECT_EQ(patch("ann", R"({"rol":"admin"})").status, 400);
  EXPECT_EQ(patch("nobody", R"({"disabled":true})").status, 404);

  // With a second admin the first may step down.
  ASSERT_EQ(patch("ann", R"({"role":"admin"})").status, 200);
  EXPECT_EQ(patch("admin", R"({"role":"viewer"})").status, 200);
  EXPECT_EQ(writeAgent(admin_, "gone"), 401);
  EXPECT_EQ(patch("ann", R"({"disabled":true})").status, 409);
}

}  // namespace
}  // namespace cc::testing

namespace cc::testing {
namespace {

// Expired token records are deleted from the store in the background (auth.token_purge_interval_s);
// the tokens still valid are left alone.
TEST(TokenPurgeTest, ExpiredTokenRecordsAreDeletedAndLiveOnesKept) {
  DaemonProcess d({"-D", "auth.token_purge_interval_s=1"});
  ASSERT_TRUE(d.start()) << d.log();
  auto expiring = d.admin("POST", "/admin/tokens", R"({"role":"viewer","ttl_s":1})");
  ASSERT_EQ(expiring.status, 201) << expiring.body;
  const std::string live = mintToken(d, "viewer");
  ASSERT_FALSE(live.empty());
  bool deleted = false;
  for (int i = 0; i < 100 && !deleted; ++i) {
    deleted = d.log().find("deleted 1 expired token record(s)") != std::string::npos;
    if (!deleted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(deleted) << d.log();
  EXPECT_EQ(d.get("/api/agents", jsonHeaders(jsonField(expiring.body, "token"))).status, 401);
  EXPECT_EQ(d.get("/api/agents", jsonHeaders(live)).status, 200) << "a live token is kept";
}

}  // namespace
}  // namespace cc::testing
