#pragma once
// UserRepository on a SqlDatabase: the one implementation, on SQLite and PostgreSQL alike.

#include "store/sql_database.h"
#include "store/user_repository.h"

namespace cc::store {

/// User accounts in SQL. The last enabled admin stays protected across instances: the changes
/// that could remove them lock every enabled admin's row first (where writers run
/// concurrently). Thread-safe. The SqlDatabase must outlive it.
class SqlUserRepository final : public UserRepository {
 public:
  explicit SqlUserRepository(SqlDatabase& db) : db_(db) {}

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
  std::optional<UserRecord> findUser(Poco::Data::Session& session, const std::string& username);
  bool isLastEnabledAdmin(Poco::Data::Session& session, const std::string& username);

  SqlDatabase& db_;
};

}  // namespace cc::store
