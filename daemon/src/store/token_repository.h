#pragma once
// Storage interface for bearer tokens, kept only as their SHA-256.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/user.h"
#include "store/deadline.h"

namespace cc::store {

// The repositories speak the domain's types.
using domain::Identity;
using domain::TokenRecord;

/// Token records, whatever the backend. Error conventions as AgentRepository. Thread-safe.
class TokenRepository {
 public:
  virtual ~TokenRepository() = default;

  /// kNotFound when the user does not exist, kForbidden when it is disabled.
  virtual common::Status insert(const TokenRecord& record,
                                common::SteadyTime deadline = kNoDeadline) = 0;
  /// The record for a hash, or nullopt.
  virtual common::Result<std::optional<TokenRecord>> find(
      const std::string& hash, common::SteadyTime deadline = kNoDeadline) = 0;
  /// True when a record was deleted.
  virtual common::Result<bool> remove(const std::string& hash,
                                      common::SteadyTime deadline = kNoDeadline) = 0;
  /// A user's records that have not expired at `now_ms`, oldest first.
  virtual common::Result<std::vector<TokenRecord>> listForUser(
      const std::string& username, int64_t now_ms, common::SteadyTime deadline = kNoDeadline) = 0;
  /// Deletes a user's records whose hash starts with `hash_prefix`; returns their hashes.
  virtual common::Result<std::vector<std::string>> removeByPrefix(
      const std::string& username, const std::string& hash_prefix,
      common::SteadyTime deadline = kNoDeadline) = 0;
  /// Number of records deleted.
  virtual common::Result<int64_t> removeForUser(const std::string& username,
                                                common::SteadyTime deadline = kNoDeadline) = 0;
  virtual common::Result<int64_t> removeExpired(int64_t now_ms,
                                                common::SteadyTime deadline = kNoDeadline) = 0;
};

}  // namespace cc::store
