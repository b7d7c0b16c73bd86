#pragma once
// Storage interface for user accounts. Passwords are hashed by cc::auth before they get here.

#include <string>
#include <vector>

#include "common/result.h"
#include "domain/user.h"
#include "store/deadline.h"

namespace cc::store {

// The repositories speak the domain's types.
using domain::Role;
using domain::User;
using domain::UserChange;
using domain::UserRecord;

/// What an update did: the account as it is now, and how many of its tokens it revoked.
struct UserUpdate {
  User user;
  int64_t tokens_revoked = 0;
};

/// User accounts, whatever the backend. Removing or disabling a user deletes their tokens in
/// the same transaction; callers that cache tokens (cc::auth::TokenService) must purge too, so
/// the HTTP layer goes through cc::auth::UserService rather than this interface. Error
/// conventions as AgentRepository. Thread-safe.
class UserRepository {
 public:
  virtual ~UserRepository() = default;

  virtual common::Result<std::vector<User>> list(common::SteadyTime deadline = kNoDeadline) = 0;
  /// kNotFound when there is no such user.
  virtual common::Result<UserRecord> find(const std::string& username,
                                          common::SteadyTime deadline = kNoDeadline) = 0;
  /// kConflict when the username is taken.
  virtual common::Status create(const UserRecord& record,
                                common::SteadyTime deadline = kNoDeadline) = 0;
  /// remove, and an update that demotes or disables, answer kConflict when the user is the
  /// last enabled admin, checked in the same transaction as the change.
  virtual common::Status remove(const std::string& username,
                                common::SteadyTime deadline = kNoDeadline) = 0;
  virtual common::Status setPasswordHash(const std::string& username, const std::string& hash,
                                         common::SteadyTime deadline = kNoDeadline) = 0;
  /// Applies role and disabled together, in one transaction. Tokens carry the role they were
  /// issued with, so a change of role, or disabling, deletes the user's tokens in the same
  /// transaction; a change to what the user already is revokes nothing. kNotFound when there is
  /// no such user.
  virtual common::Result<UserUpdate> update(const std::string& username, const UserChange& change,
                                            common::SteadyTime deadline = kNoDeadline) = 0;
  virtual common::Result<int64_t> count(common::SteadyTime deadline = kNoDeadline) = 0;
};

}  // namespace cc::store
