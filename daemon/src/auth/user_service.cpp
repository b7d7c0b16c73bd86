#include "auth/user_service.h"

#include <Poco/Path.h>

#include "auth/password_hasher.h"
#include "auth/secure_random.h"
#include "common/secret_file.h"

namespace cc::auth {

using common::Error;
using common::ErrorCode;
using common::Result;
using common::Status;

namespace {

constexpr std::size_t kGeneratedPasswordLength = 32;

Error badCredentials() {
  return Error{ErrorCode::kUnauthorized, "invalid username or password", {}, 0};
}

}  // namespace

UserService::UserService(store::UserRepository& users, TokenService& tokens,
                         const common::Clock& clock)
    : users_(users), tokens_(tokens), clock_(clock) {}

Result<std::vector<domain::User>> UserService::list(common::SteadyTime deadline) {
  return users_.list(deadline);
}

Result<domain::User> UserService::find(const std::string& username, common::SteadyTime deadline) {
  auto found = users_.find(username, deadline);
  if (!found.ok()) return found.error();
  return found->user;
}

Result<domain::User> UserService::create(const std::string& username, const std::string& password,
                                         domain::Role role, common::SteadyTime deadline) {
  if (auto st = domain::validateUsername(username); !st.ok()) return st.error();
  if (auto st = domain::validatePassword(password); !st.ok()) return st.error();
  domain::UserRecord record;
  record.user = {username, role, clock_.wallMillis(), false};
  record.password_hash = PasswordHasher::hash(password);
  if (auto st = users_.create(record, deadline); !st.ok()) return st.error();
  return record.user;
}

Status UserService::remove(const std::string& username, common::SteadyTime deadline) {
  Status st = users_.remove(username, deadline);
  // Purge even on failure: a cached token must never outlive an attempt to revoke it.
  tokens_.forgetUser(username);
  return st;
}

Status UserService::setPassword(const std::string& username, const std::string& password,
                                common::SteadyTime deadline) {
  if (auto st = domain::validatePassword(password); !st.ok()) return st;
  return users_.setPasswordHash(username, PasswordHasher::hash(password), deadline);
}

Result<store::UserUpdate> UserService::update(const std::string& username,
                                              const domain::UserChange& change,
                                              common::SteadyTime deadline) {
  auto updated = users_.update(username, change, deadline);
  // Purge even on failure: a cached token must never outlive an attempt to revoke it.
  if (change.role || change.disabled.value_or(false)) tokens_.forgetUser(username);
  return updated;
}

Status UserService::setRole(const std::string& username, domain::Role role,
                            common::SteadyTime deadline) {
  auto updated = update(username, {role, std::nullopt}, deadline);
  if (!updated.ok()) return updated.error();
  return common::Ok{};
}

Status UserService::setDisabled(const std::string& username, bool disabled,
                                common::SteadyTime deadline) {
  auto updated = update(username, {std::nullopt, disabled}, deadline);
  if (!updated.ok()) return updated.error();
  return common::Ok{};
}

Result<domain::Identity> UserService::authenticate(const std::string& username,
                                                   const std::string& password,
                                                   common::SteadyTime deadline) {
  auto found = users_.find(username, deadline);
  if (!found.ok()) {
    if (found.error().code != ErrorCode::kNotFound) return found.error();
    PasswordHasher::verifyDummy(password);
    return badCredentials();
  }
  if (!PasswordHasher::verify(password, found->password_hash)) return badCredentials();
  // Past the password check, so telling "disabled" apart names no account to a guesser.
  if (found->user.disabled) {
    return Error{ErrorCode::kForbidden,
                 "user '" + username + "' is disabled (an admin can enable it again)",
                 {},
                 0};
  }
  return domain::Identity{found->user.username, found->user.role, 0};
}

Result<std::optional<std::string>> UserService::ensureAdmin(const std::string& state_dir,
                                                            const std::string& env_password,
                                                            common::SteadyTime deadline) {
  auto count = users_.count(deadline);
  if (!count.ok()) return count.error();
  if (*count > 0) return std::optional<std::string>();
  if (!env_password.empty()) {
    auto created = create("admin", env_password, domain::Role::kAdmin, deadline);
    if (!created.ok()) return created.error();
    return std::optional<std::string>();
  }
  std::string password = randomPassword(kGeneratedPasswordLength);
  std::string path = Poco::Path(state_dir).makeDirectory().append(kInitialPasswordFile).toString();
  // The file first: an admin whose password was never written down would lock everyone out.
  if (auto st = common::writeSecretFile(path, password + "\n"); !st.ok()) return st.error();
  auto created = create("admin", password, domain::Role::kAdmin, deadline);
  if (!created.ok()) return created.error();
  return std::optional<std::string>(path);
}

}  // namespace cc::auth
