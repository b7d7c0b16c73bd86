#pragma once
// Bearer tokens: issued once, stored hashed, validated from a bounded in-memory cache.

#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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

/// A token as an administrator sees it: never the token, nor its full hash.
struct TokenSummary {
  std::string id;  // the first TokenService::kIdLength hex digits of the token's SHA-256
  domain::Role role = domain::Role::kViewer;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  /// When this process last accepted it; nullopt when it has not since it started, or the token
  /// has left the cache since (uses are not written to the database).
  std::optional<int64_t> last_used_ms;
};

/// Issues, validates and revokes bearer tokens. Only the SHA-256 of a token is stored, so the
/// tokens survive restarts but a copy of the database does not yield usable tokens. Validated
/// tokens are kept in an LRU cache keyed by that hash (a hit costs one SHA-256 and a map
/// lookup, no PBKDF2 and no database); revoke(), revokeById() and revokeUser() remove from the
/// cache before they return, and a validation racing with a revocation never re-caches the revoked
/// token. Thread-safe.
class TokenService {
 public:
  struct Options {
    int64_t ttl_s = 43200;
    std::size_t cache_size = 10000;
    /// A cached token older than this (ms) is looked up in the store again: another daemon on
    /// the same database may have revoked it, and only the store knows. 0: kept until revoked
    /// here, evicted or expired.
    int64_t cache_lifetime_ms = 0;
  };
  struct CacheStats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    std::size_t size = 0;
  };
  /// A revocation made here, as other daemons' caches must learn of it.
  struct Revocation {
    enum class Kind {
      kHash,      ///< `value`: the token's hash
      kIdPrefix,  ///< `value`: a token id; every cached token whose hash begins with it
      kUser,      ///< `value`: a username; every token of the user
    };
    Kind kind;
    std::string value;
  };
  using RevocationListener = std::function<void(const Revocation&)>;

  TokenService(store::TokenRepository& repo, const common::Clock& clock, Options options);

  /// A new token for the user, valid for `ttl_s` (Options::ttl_s when absent).
  common::Result<IssuedToken> issue(const std::string& username, domain::Role role,
                                    std::optional<int64_t> ttl_s = std::nullopt,
                                    common::SteadyTime deadline = store::kNoDeadline);
  /// The identity behind a token; kUnauthorized when it is malformed, unknown, expired or
  /// revoked. Store failures on a cache miss come back as they are (503-class).
  common::Result<domain::Identity> validate(const std::string& token,
                                            common::SteadyTime deadline = store::kNoDeadline);
  /// Whether validate() would answer for this token from the cache alone, without the store: a
  /// malformed token, or one cached and not stale (expired ones included).
  bool answersFromCache(const std::string& token) const;
  /// Revokes one token (unknown tokens are fine: revocation is idempotent).
  common::Status revoke(const std::string& token, common::SteadyTime deadline = store::kNoDeadline);
  /// Revokes every token of a user, in the store and in the cache; returns how many.
  common::Result<int64_t> revokeUser(const std::string& username,
                                     common::SteadyTime deadline = store::kNoDeadline);
  /// Revokes the user's token with this id (see TokenSummary::id), in the store and in the
  /// cache; kNotFound when the user has none with it.
  common::Status revokeById(const std::string& username, const std::string& id,
                            common::SteadyTime deadline = store::kNoDeadline);
  /// The user's tokens that have not expired, oldest first.
  common::Result<std::vector<TokenSummary>> listUser(
      const std::string& username, common::SteadyTime deadline = store::kNoDeadline);
  /// Drops a user's tokens from the cache only, after the store already deleted them.
  void forgetUser(const std::string& username);
  /// Called after each revocation made here (revoke, revokeById, revokeUser, forgetUser), on the
  /// revoking thread; set before the service is shared. Empty: nobody is told.
  void setRevocationListener(RevocationListener listener) { listener_ = std::move(listener); }
  /// Applies a revocation another daemon made: drops what it names from the cache (the store
  /// already has it), without telling the listener.
  void forgetRevoked(const Revocation& revocation);
  /// Drops every cached token (the next validation of each asks the store).
  void forgetAll();
  /// Deletes expired token records; returns how many.
  common::Result<int64_t> purgeExpired(common::SteadyTime deadline = store::kNoDeadline);

  CacheStats cacheStats() const;
  /// Lowercase hex SHA-256 of a token, the key it is stored under.
  static std::string hashToken(const std::string& token);
  /// The id an administrator names a token by: a prefix of its hash, which the token's holder
  /// can compute and which says nothing about the token itself.
  static std::string tokenId(const std::string& token);

  static constexpr std::size_t kIdLength = 16;

 private:
  struct Entry {
    std::string hash;
    domain::Identity identity;
    int64_t last_used_ms = 0;
    int64_t cached_at_ms = 0;
  };

  void cacheInsert(const std::string& hash, const domain::Identity& identity, int64_t now_ms,
                   uint64_t epoch);
  // A revocation made here: forgotten in the cache, then told to the listener.
  void revoked(const Revocation& revocation);
  // Both with mu_ held.
  void forgetHash(const std::string& hash);
  void forgetWhere(const std::function<bool(const Entry&)>& matches);

  store::TokenRepository& repo_;
  const common::Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t revocations_ = 0;  // bumped by every revocation; guards cache inserts
  RevocationListener listener_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace cc::auth
