#include "auth/user_service.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "auth/password_hasher.h"
#include "unit/store/store_fixture.h"

namespace cc::auth {
namespace {

using common::ErrorCode;
using domain::Role;

class UserServiceTest : public store::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped()) return;
    open();
    tokens_ = std::make_unique<TokenService>(store_->tokens(), clock_, TokenService::Options{});
    users_ = std::make_unique<UserService>(store_->users(), *tokens_, clock_);
  }
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<UserService> users_;
};

TEST_P(UserServiceTest, CreateListRemove) {
  auto created = users_->create("carol", "carol-password", Role::kViewer);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->created_at_ms, clock_.wallMillis());
  EXPECT_EQ(users_->create("carol", "another-password", Role::kAdmin).error().code,
            ErrorCode::kConflict);
  EXPECT_EQ(users_->create("bad name", "carol-password", Role::kAdmin).error().field, "username");
  EXPECT_EQ(users_->create("dave", "short", Role::kAdmin).error().field, "password");

  auto list = users_->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().username, "carol");
  EXPECT_EQ(list->front().role, Role::kViewer);
  EXPECT_FALSE(toJson(list->front())->has("password_hash"));

  auto stored = store_->users().find("carol");
  ASSERT_TRUE(stored.ok());
  EXPECT_GE(PasswordHasher::parse(stored->password_hash)->iterations, 100000u);

  ASSERT_TRUE(users_->remove("carol").ok());
  EXPECT_EQ(users_->remove("carol").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(users_->list()->empty());
}

TEST_P(UserServiceTest, AuthenticateGivesOneErrorForUnknownUserAndWrongPassword) {
  ASSERT_TRUE(users_->create("erin", "erin-password", Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("root", "root-password", Role::kAdmin).ok());  // erin is not the last
  auto id = users_->authenticate("erin", "erin-password");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->username, "erin");
  EXPECT_EQ(id->role, Role::kAdmin);

  auto wrong = users_->authenticate("erin", "not-her-password");
  auto unknown = users_->authenticate("nobody", "erin-password");
  ASSERT_TRUE(users_->setDisabled("erin", true).ok());
  auto disabled_wrong = users_->authenticate("erin", "not-her-password");
  for (const auto* r : {&wrong, &unknown, &disabled_wrong}) {
    ASSERT_FALSE(r->ok());
    EXPECT_EQ(r->error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(r->error().message, wrong.error().message);
  }
  ASSERT_TRUE(users_->setDisabled("erin", false).ok());
  EXPECT_TRUE(users_->authenticate("erin", "erin-password").ok());
}

TEST_P(UserServiceTest, TheRightPasswordOfADisabledUserIsForbiddenNamingWhy) {
  ASSERT_TRUE(users_->create("erin", "erin-password", Role::kViewer).ok());
  ASSERT_TRUE(users_->setDisabled("erin", true).ok());
  auto disabled = users_->authenticate("erin", "erin-password");
  ASSERT_FALSE(disabled.ok());
  EXPECT_EQ(disabled.error().code, ErrorCode::kForbidden);
  EXPECT_NE(disabled.error().message.find("disabled"), std::string::npos);
}

TEST_P(UserServiceTest, UpdateChangesRoleAndDisabledTogetherAndRevokesOnlyWhenItMatters) {
  ASSERT_TRUE(users_->create("root", "root-password", Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("kim", "kim-password", Role::kViewer).ok());
  auto first = tokens_->issue("kim", Role::kViewer);
  ASSERT_TRUE(tokens_->validate(first->token).ok());

  // Nothing changes: the token lives on.
  auto same = users_->update("kim", {Role::kViewer, false});
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_EQ(same->tokens_revoked, 0);
  EXPECT_TRUE(tokens_->validate(first->token).ok());

  // A promotion revokes the tokens issued with the old role.
  auto promoted = users_->update("kim", {Role::kAdmin, std::nullopt});
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(promoted->user.role, Role::kAdmin);
  EXPECT_FALSE(promoted->user.disabled);
  EXPECT_EQ(promoted->tokens_revoked, 1);
  EXPECT_EQ(tokens_->validate(first->token).error().code, ErrorCode::kUnauthorized);

  // Both at once, in one transaction.
  auto second = tokens_->issue("kim", Role::kAdmin);
  ASSERT_TRUE(tokens_->validate(second->token).ok());
  auto both = users_->update("kim", {Role::kViewer, true});
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->user.role, Role::kViewer);
  EXPECT_TRUE(both->user.disabled);
  EXPECT_EQ(both->tokens_revoked, 1);
  EXPECT_EQ(tokens_->validate(second->token).error().code, ErrorCode::kUnauthorized);
  auto stored = users_->find("kim");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->role, Role::kViewer);
  EXPECT_TRUE(stored->disabled);

  // Enabling needs no revocation and leaves the role alone.
  auto enabled = users_->update("kim", {std::nullopt, false});
  ASSERT_TRUE(enabled.ok());
  EXPECT_FALSE(enabled->user.disabled);
  EXPECT_EQ(enabled->user.role, Role::kViewer);
  EXPECT_TRUE(users_->authenticate("kim", "kim-password").ok());

  EXPECT_EQ(users_->update("ghost", {Role::kAdmin, std::nullopt}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(users_->find("ghost").error().code, ErrorCode::kNotFound);
}

TEST_P(UserServiceTest, TheLastEnabledAdminCannotBeRemovedDemotedOrDisabled) {
  ASSERT_TRUE(users_->create("hana", "hana-password", Role::kAdmin).ok());
  ASSERT_TRUE(users_->create("ivan", "ivan-password", Role::kViewer).ok());
  EXPECT_EQ(users_->remove("hana").error().code, ErrorCode::kConflict);
  EXPECT_EQ(users_->setRole("hana", Role::kViewer).error().code, ErrorCode::kConflict);
  EXPECT_EQ(users_->setDisabled("hana", true).error().code, ErrorCode::kConflict);
  auto both = users_->update("hana", {Role::kViewer, true});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().code, ErrorCode::kConflict);
  EXPECT_NE(both.error().message.find("demoting and disabling"), std::string::npos);
  EXPECT_TRUE(users_->authenticate("hana", "hana-password").ok());  // nothing changed
  EXPECT_EQ(users_->find("hana")->role, Role::kAdmin);
  EXPECT_TRUE(users_->setRole("hana", Role::kAdmin).ok());  // not a demotion

  // With a second enabled admin each change is allowed, until hana is the last again.
  ASSERT_TRUE(users_->setRole("ivan", Role::kAdmin).ok());
  ASSERT_TRUE(users_->setDisabled("ivan", true).ok());
  EXPECT_EQ(users_->remove("hana").error().code, ErrorCode::kConflict);  // ivan is disabled
  ASSERT_TRUE(users_->setDisabled("ivan", false).ok());
  EXPECT_TRUE(users_->remove("hana").ok());
  EXPECT_EQ(users_->remove("ivan").error().code, ErrorCode::kConflict);
  EXPECT_EQ(users_->list()->size(), 1u);
}

TEST_P(UserServiceTest, SetPasswordReplacesTheOldOne) {
  ASSERT_TRUE(users_->create("frank", "first-password", Role::kViewer).ok());
  ASSERT_TRUE(users_->setPassword("frank", "second-password").ok());
  EXPECT_FALSE(users_->authenticate("frank", "first-password").ok());
  EXPECT_TRUE(users_->authenticate("frank", "second-password").ok());
  EXPECT_EQ(users_->setPassword("ghost", "second-password").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(users_->setPassword("frank", "x").error().field, "password");
}

TEST_P(UserServiceTest, StoreFailuresAreNotReportedAsBadCredentials) {
  ASSERT_TRUE(users_->create("gina", "gina-password", Role::kViewer).ok());
  store_->faults().set({0, 1.0});
  auto result = users_->authenticate("gina", "gina-password");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kDependencyUnavailable);
}

TEST_P(UserServiceTest, BootstrapWithAnEnvironmentPasswordWritesNoFile) {
  auto result = users_->ensureAdmin(dir_, "from-the-environment");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_FALSE(result->has_value());
  EXPECT_FALSE(Poco::File(dir_ + UserService::kInitialPasswordFile).exists());
  auto id = users_->authenticate("admin", "from-the-environment");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->role, Role::kAdmin);
}

TEST_P(UserServiceTest, BootstrapGeneratesAPasswordIntoAPrivateFile) {
  auto result = users_->ensureAdmin(dir_, "");
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(result->has_value());
  const std::string path = **result;
  EXPECT_EQ(path, dir_ + UserService::kInitialPasswordFile);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string password;
  std::getline(std::ifstream(path), password);
  EXPECT_GE(password.size(), 24u);
  EXPECT_TRUE(users_->authenticate("admin", password).ok());

  // Users exist now: a second start changes nothing.
  auto again = users_->ensureAdmin(dir_, "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_TRUE(users_->authenticate("admin", password).ok());
}

TEST_P(UserServiceTest, BootstrapTightensAnExistingFilesMode) {
  const std::string path = dir_ + UserService::kInitialPasswordFile;
  std::ofstream(path) << "stale";
  ::chmod(path.c_str(), 0644);
  auto result = users_->ensureAdmin(dir_, "");
  ASSERT_TRUE(result.ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

INSTANTIATE_STORE_CONTRACT(UserServiceTest);

}  // namespace
}  // namespace cc::auth
