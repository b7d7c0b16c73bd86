#pragma once
// User accounts with hashed passwords: the API the HTTP layer uses for users and logins.

#include <optional>
#include <string>
#include <vector>

#include "auth/token_service.h"
#include "common/clock.h"
#include "common/result.h"
#include "domain/user.h"
#include "store/deadline.h"
#include "store/user_repository.h"

namespace cc::auth {

/// Users on top of a UserRepository. Passwords are hashed here (PBKDF2, outside any database
/// transaction); removing, disabling or changing the role of a user revokes their tokens in
/// the store and in the TokenService cache before returning. authenticate() gives the same
/// error, after the same amount of hashing, for an unknown user and a wrong password; only
/// the right password of a disabled user learns that it is disabled. Thread-safe.
class UserService {
 public:
  UserService(store::UserRepository& users, TokenService& tokens, const common::Clock& clock);

  common::Result<std::vector<domain::User>> list(common::SteadyTime deadline = store::kNoDeadline);
  /// kNotFound when there is no such user.
  common::Result<domain::User> find(const std::string& username,
                                    common::SteadyTime deadline = store::kNoDeadline);
  /// Error::invalid naming username or password; kConflict when the name is taken.
  common::Result<domain::User> create(const std::string& username, const std::string& password,
                                      domain::Role role,
                                      common::SteadyTime deadline = store::kNoDeadline);
  /// kNotFound when there is no such user.
  common::Status remove(const std::string& username,
                        common::SteadyTime deadline = store::kNoDeadline);
  common::Status setPassword(const std::string& username, const std::string& password,
                             common::SteadyTime deadline = store::kNoDeadline);
  /// Changes role and disabled at once (see store::UserRepository::update); kConflict for the
  /// last enabled admin, kNotFound when there is no such user.
  common::Result<store::UserUpdate> update(const std::string& username,
                                           const domain::UserChange& change,
                                           common::SteadyTime deadline = store::kNoDeadline);
  common::Status setRole(const std::string& username, domain::Role role,
                         common::SteadyTime deadline = store::kNoDeadline);
  common::Status setDisabled(const std::string& username, bool disabled,
                             common::SteadyTime deadline = store::kNoDeadline);
  /// The identity (expires_at_ms 0) for a correct username and password; kUnauthorized
  /// "invalid username or password" otherwise, and kForbidden when the password is right but
  /// the user is disabled.
  common::Result<domain::Identity> authenticate(const std::string& username,
                                                const std::string& password,
                                                common::SteadyTime deadline = store::kNoDeadline);

  /// First start: when there is no user at all, creates `admin` with `env_password`, or, when
  /// that is empty, with a generated 32-character password written to
  /// `${state_dir}/initial-admin-password` (mode 0600). Returns that file's path so the caller
  /// can log where it is (never the password); nullopt when nothing was generated.
  common::Result<std::optional<std::string>> ensureAdmin(
      const std::string& state_dir, const std::string& env_password,
      common::SteadyTime deadline = store::kNoDeadline);

  static constexpr const char* kInitialPasswordFile = "initial-admin-password";

 private:
  store::UserRepository& users_;
  TokenService& tokens_;
  const common::Clock& clock_;
};

}  // namespace cc::auth
