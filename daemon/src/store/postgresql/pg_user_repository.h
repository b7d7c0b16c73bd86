#pragma once
// UserRepository on the PostgreSQL Database.

#include "store/postgresql/database.h"
#include "store/user_repository.h"

namespace cc::store::postgresql {

/// User accounts in PostgreSQL, with the semantics of sqlite::SqliteUserRepository. The last
/// enabled admin stays protected across instances: the changes that could remove them lock every
/// enabled admin's row first. Thread-safe. The Database must outlive it.
class PgUserRepository final : public UserRepository {
 public:
  explicit PgUserRepository(Database& db) : db_(db) {}

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

}  // namespace cc::store::postgresql
