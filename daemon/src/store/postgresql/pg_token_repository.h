#pragma once
// TokenRepository on the PostgreSQL Database.

#include "store/postgresql/database.h"
#include "store/token_repository.h"

namespace cc::store::postgresql {

/// Token records in PostgreSQL, with the semantics of sqlite::SqliteTokenRepository: a token
/// one instance issues is found by every other. Thread-safe. The Database must outlive it.
class PgTokenRepository final : public TokenRepository {
 public:
  explicit PgTokenRepository(Database& db) : db_(db) {}

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
  Database& db_;
};

}  // namespace cc::store::postgresql
