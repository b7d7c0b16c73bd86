#pragma once
// UserRepository on the SQLite Database.

#include "store/database.h"
#include "store/user_repository.h"

namespace cc::store {

/// User accounts in SQLite. Thread-safe. The Database must outlive it.
class SqliteUserRepository final : public UserRepository {
 public:
  explicit SqliteUserRepository(Database& db) : db_(db) {}

  common::Result<std::vector<User>> list(common::SteadyTime deadline) override;
  common::Result<UserRecord> find(const std::string& username,
                                  common::SteadyTime deadline) override;
  common::Status create(const UserRecord& record, common::SteadyTime deadline) override;
  common::Status remove(const std::string& username, common::SteadyTime deadline) override;
  common::Status setPasswordHash(const std::string& username, const std::string& hash,
                                 common::SteadyTime deadline) override;
  common::Status setRole(const std::string& username, Role role,
                         common::SteadyTime deadline) override;
  common::Status setDisabled(const std::string& username, bool disabled,
                             common::SteadyTime deadline) override;
  common::Result<int64_t> count(common::SteadyTime deadline) override;

 private:
  /// `drops_admin` names the change ("demoting it") when it would take away an admin, which is
  /// refused for the last enabled one; nullptr when it cannot.
  common::Status update(const std::string& username, const std::string& set,
                        const std::string& value, bool revoke_tokens, const char* drops_admin,
                        common::SteadyTime deadline);
  Database& db_;
};

}  // namespace cc::store
