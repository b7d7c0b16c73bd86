#pragma once
// TokenRepository on a SqlDatabase: the one implementation, on SQLite and PostgreSQL alike.

#include "store/sql_database.h"
#include "store/token_repository.h"

namespace cc::store {

/// Token records in SQL: a token one instance issues is found by every other sharing the
/// database. Thread-safe. The SqlDatabase must outlive it.
class SqlTokenRepository final : public TokenRepository {
 public:
  explicit SqlTokenRepository(SqlDatabase& db) : db_(db) {}

  common::Status insert(const TokenRecord& record, common::SteadyTime deadline) override;
  common::Result<std::optional<TokenRecord>> find(const std::string& hash,
                                                  common::SteadyTime deadline) override;
  common::Result<bool> remove(const std::string& hash, common::SteadyTime deadline) override;
  common::Result<std::vector<TokenRecord>> listForUser(const std::string& username, int64_t now_ms,
                                                       common::SteadyTime deadline) override;
  common::Result<std::vector<std::string>> removeByPrefix(const std::string& username,
                                                          const std::string& hash_prefix,
                                                          common::SteadyTime deadline) override;
  common::Result<int64_t> removeForUser(const std::string& username,
                                        common::SteadyTime deadline) override;
  common::Result<int64_t> removeExpired(int64_t now_ms, common::SteadyTime deadline) override;

 private:
  SqlDatabase& db_;
};

}  // namespace cc::store
