#pragma once
// UserRepository on the SQLite Database.

#include "store/sqlite/database.h"
#include "store/user_repository.h"

namespace cc::store::sqlite {

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
  common::Result<UserUpdate> update(const std::string& username, const UserChange& change,
                                    common::SteadyTime deadline) override;
  common::Result<int64_t> count(common::SteadyTime deadline) override;

 private:
  Database& db_;
};

}  // namespace cc::store::sqlite
