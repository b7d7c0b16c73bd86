#pragma once
// Bearer tokens: issued once, stored hashed, validated from a bounded in-memory cache.

#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"
#include "domain/user.h"
#include "store/deadline.h"
#include "store/token_repository.h"

namespace cc::auth {

struct IssuedToken {
  std::string token;  // 64 hex characters (256 random bits); shown to the client once
  int64_t expires_at_ms = 0;
};

/// Issues, validates and revokes bearer tokens. Only the SHA-256 of a token is stored, so the
/// tokens survive restarts but a copy of the database does not yield usable tokens. Validated
/// tokens are kept in an LRU cache keyed by that hash (a hit costs one SHA-256 and a map
/// lookup, no PBKDF2 and no database); revoke() and revokeUser() remove from the cache before
/// they return, and a validation racing with a revocation never re-caches the revoked token.
/// Thread-safe.
class TokenService {
 public:
  struct Options {
    int64_t ttl_s = 43200;
    std::size_t cache_size = 10000;
  };
  struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    std::size_t size = 0;
  };

  TokenService(store::TokenRepository& repo, const common::Clock& clock, Options options);

  /// A new token for the user, valid for `ttl_s` (Options::ttl_s when absent).
  common::Result<IssuedToken> issue(const std::string& username, domain::Role role,
                                    std::optional<int64_t> ttl_s = std::nullopt,
                                    common::SteadyTime deadline = store::kNoDeadline);
  /// The identity behind a token; kUnauthorized when it is malformed, unknown, expired or
  /// revoked. Store failures on a cache miss come back as they are (503-class).
  common::Result<domain::Identity> validate(const std::string& token,
                                            common::SteadyTime deadline = store::kNoDeadline);
  /// Revokes one token (unknown tokens are fine: revocation is idempotent).
  common::Status revoke(const std::string& token, common::SteadyTime deadline = store::kNoDeadline);
  /// Revokes every token of a user, in the store and in the cache.
  common::Status revokeUser(const std::string& username,
                            common::SteadyTime deadline = store::kNoDeadline);
  /// Drops a user's tokens from the cache only, after the store already deleted them.
  void forgetUser(const std::string& username);
  /// Deletes expired token records; returns how many.
  common::Result<int64_t> purgeExpired(common::SteadyTime deadline = store::kNoDeadline);

  CacheStats cacheStats() const;
  /// Lowercase hex SHA-256 of a token, the key it is stored under.
  static std::string hashToken(const std::string& token);

 private:
  struct Entry {
    std::string hash;
    domain::Identity identity;
  };

  void cacheInsert(const std::string& hash, const domain::Identity& identity, uint64_t epoch);

  store::TokenRepository& repo_;
  const common::Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t revocations_ = 0;  // bumped by every revocation; guards cache inserts
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cc::auth
